/** The pure parts of ownership enforcement: parsing git's raw output, judging, messages, rule compiling. */
import { describe, expect, it } from 'vitest';
import { parseLogZ, parseRawZ, type Change } from '../../src/enforce/changes.js';
import { judgeChanges, symlinkDestination } from '../../src/enforce/judge.js';
import { shellArg, stagedRefusal, updateRefusal } from '../../src/enforce/message.js';
import { buildOwnership } from '../../src/core/ownership.js';
import { caseRule, compilePhaseRules, shQuote } from '../../src/hooks/rules.js';
import type { Phase, Plan } from '../../src/core/plan.js';

const phase = (id: string, owns: string[], exclude: string[] = []): Phase => ({ id, index: 0, task: '', owns, exclude, needs: [], criteria: [], checklist: [] });
const plan = { shared: ['package-lock.json'], phases: [phase('auth', ['src/auth/'], ['src/auth/gen/**']), phase('ui', ['src/ui/'])] } as unknown as Plan;
const model = buildOwnership(plan);
const change = (path: string, over: Partial<Change> = {}): Change => ({ status: 'M', oldMode: '100644', newMode: '100644', oldOid: 'a'.repeat(40), newOid: 'b'.repeat(40), path, ...over });

describe('parsing raw -z output', () => {
  it('reads entries, paths with newlines and tabs included', () => {
    const out = `:100644 100644 ${'1'.repeat(40)} ${'2'.repeat(40)} M\0src/a\nb\0:000000 120000 ${'0'.repeat(40)} ${'3'.repeat(40)} A\0l\tink\0`;
    expect(parseRawZ(out).map((c) => [c.status, c.newMode, c.path])).toEqual([['M', '100644', 'src/a\nb'], ['A', '120000', 'l\tink']]);
  });

  it('reads git log -z output with commit headers', () => {
    const out = `\x01${'c'.repeat(40)} ${'p'.repeat(40)}\0\n:100644 100644 ${'1'.repeat(40)} ${'2'.repeat(40)} M\0x\0\x01${'d'.repeat(40)} \0`;
    const commits = parseLogZ(out);
    expect(commits.map((c) => [c.commit[0], c.parents.length, c.changes.length])).toEqual([['c', 1, 1], ['d', 0, 0]]);
  });
});

describe('judging', () => {
  it('refuses foreign, unowned, excluded and plan paths, allows own and shared', () => {
    const findings = judgeChanges(model, 'auth', [
      change('src/auth/a.ts'), change('package-lock.json'), change('src/ui/b.ts'), change('README.md'),
      change('src/auth/gen/x.ts'), change('.parallel.yml'), change('src/ui/sub', { newMode: '160000' }),
    ]);
    expect(findings.map((f) => [f.kind, f.path, f.owner])).toEqual([
      ['foreign', 'src/ui/b.ts', 'ui'], ['foreign', 'README.md', 'nobody'], ['foreign', 'src/auth/gen/x.ts', 'nobody'],
      ['plan', '.parallel.yml', 'the coordinator'], ['submodule', 'src/ui/sub', 'ui'],
    ]);
  });

  it('normalizes paths to NFC before matching', () => {
    const m = buildOwnership({ shared: [], phases: [phase('p', ['caf\u00e9/'])] } as unknown as Plan);
    expect(judgeChanges(m, 'p', [change('cafe\u0301/x')])).toEqual([]);
  });

  it('follows symlink targets: inside the area is fine, out of it or the repository is not', () => {
    expect(symlinkDestination('src/auth/l', '../ui/x')).toBe('src/ui/x');
    expect(symlinkDestination('src/auth/l', './x/')).toBe('src/auth/x');
    expect(symlinkDestination('l', '../../etc')).toBeUndefined();
    expect(symlinkDestination('src/l', '/etc/passwd')).toBeUndefined();
    const targets = new Map([['1'.repeat(40), 'x.ts'], ['2'.repeat(40), '../ui/x'], ['3'.repeat(40), '/etc/passwd']]);
    const links = ['1', '2', '3'].map((d, i) => change(`src/auth/l${i}`, { newMode: '120000', newOid: d.repeat(40) }));
    const findings = judgeChanges(model, 'auth', links, targets);
    expect(findings.map((f) => [f.path, f.resolved, f.owner])).toEqual([['src/auth/l1', 'src/ui/x', 'ui'], ['src/auth/l2', undefined, 'outside the repository']]);
  });
});

describe('messages', () => {
  it('follows the SPEC wording', () => {
    expect(stagedRefusal('auth', { kind: 'foreign', path: 'src/ui/button.ts', owner: 'dashboard', status: 'M' })).toBe(
      'parallel: auth may not change src/ui/button.ts (owned by dashboard). Unstage it (git restore --staged src/ui/button.ts), or ask the coordinator to move it to auth in .parallel.yml.');
  });

  it('quotes odd paths for the shell and for reading', () => {
    expect(shellArg('a b')).toBe("'a b'");
    expect(shellArg("it's")).toBe(`'it'\\''s'`);
    expect(stagedRefusal('p', { kind: 'foreign', path: 'a\nb', owner: 'nobody', status: 'A' })).toContain('may not change "a\\nb" (owned by nobody)');
    expect(updateRefusal('p', 'f'.repeat(40), { kind: 'plan', path: '.parallel.yml', owner: 'the coordinator', status: 'M' })).toContain('changes .parallel.yml (owned by the coordinator)');
  });
});

describe('compiling rules for the shell hooks', () => {
  it('uses case patterns for file and folder names', () => {
    expect(caseRule('src/auth/**')).toEqual({ pos: "'src/auth/'*" });
    expect(caseRule('a b')).toEqual({ pos: "'a b'" });
    expect(caseRule('**')).toEqual({ pos: '*' });
    // Wildcards inside segments: the pattern plus a slash count (not one more "/").
    expect(caseRule('src/*.ts')).toEqual({ pos: "'src'/*'.ts'", neg: '*/*/*' });
    expect(caseRule('lib/[!ab]?')).toEqual({ pos: "'lib'/[!ab]?", neg: '*/*/*' });
    // One ** followed by a name or *.ext.
    expect(caseRule('src/**/x')).toEqual({ pos: "'src/''x'|'src/'*'/x'" });
    expect(caseRule('**/*.test.ts')).toEqual({ pos: "*'.test.ts'" });
    expect(caseRule('src/sub*/**')).toEqual({ pos: "'src/sub'*/*" });
    // What case cannot say exactly goes to git.
    expect(caseRule('a/**/b/**')).toBeUndefined();
    expect(caseRule('src/**/a*b')).toBeUndefined();
    expect(caseRule('src/[a-c]')).toBeUndefined();
    const rules = compilePhaseRules(plan, plan.phases[0]!);
    expect(rules).toContain('pl_tier=case');
    expect(rules).toContain("case $1 in 'src/auth/gen/'*) return 1 ;; esac");
  });

  it('falls back to git pathspecs for globs, excludes checked separately', () => {
    const rules = compilePhaseRules({ shared: ['docs/'] } as Plan, phase('g', ['lib/**/a*.ts'], ['lib/secret*']));
    expect(rules).toContain('pl_tier=pathspec');
    expect(rules).toContain(`pl_outside() { "$@" -- ':(top)' ':(exclude,glob)lib/**/a*.ts' ':(exclude,glob)docs' ':(exclude,glob)docs/**'; }`);
    expect(rules).toContain(`pl_excluded() { "$@" -- ':(glob)lib/secret*' ':(exclude,glob)docs' ':(exclude,glob)docs/**'; }`);
  });

  it('quotes single quotes safely', () => {
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
    expect(compilePhaseRules({ shared: [] } as unknown as Plan, phase('q', ["it's/"]))).toContain(`'it'\\''s/'*`);
  });
});
