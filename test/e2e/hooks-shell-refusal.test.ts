/**
 * A refused commit explained by the shell hook, without Node (folder and glob-in-segment rules
 * of every phase are `case` patterns): the owners the shell names agree with the TypeScript
 * model on generated plans and paths, and the refusal it prints is byte for byte what Node's
 * check prints for the same staged files. Paths a message would quote, a phase the plan does not
 * have, and a plan with a rule `case` cannot express still go to Node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileOwners } from '../../src/hooks/rules.js';
import { buildOwnership } from '../../src/core/ownership.js';
import type { Plan } from '../../src/core/plan.js';
import { HOOKS_PLAN, clean, commit, hookRepo, removeRepo, stage, type HookRepo, refused, useCommitMode, COMMIT_MODES, NO_EDITOR, hookSays } from './hooks-fixture.js';

// The hooks' plan without phase "deep", the one whose rule `case` cannot express.
const CASE_PLAN = HOOKS_PLAN.replace(/  - id: deep\n    task: [^\n]*\n    owns: [^\n]*\n/, '');

const CHECK = join(__dirname, '../../dist/hooks/check.js');

describe('pl_owners agrees with describeOwner', () => {
  it('names the same owners, in plan order, for generated plans', () => {
    const patterns = ['src/', 'src', 'src/**', '**', '*.ts', '**/*.ts', 'lib/*.ts', 'lib/**/*.test.ts', '**/x.ts', 'src/{a,b}/', 'a?c', '[ab]*', '.env', 'src/*/x.ts', 'a*', 'b/**', 'src/a*/**', 'lib', 'docs/x*.md'];
    const paths = ['src/a/x.ts', 'src/b', 'src', 'lib/x.ts', 'lib/a/b.test.ts', 'lib/y.js', 'abc', 'a1c', 'b/c/d', '.env', 'x.ts', 'docs/x1.md', 'docs/y.md', 'src/ab/q', 'other/file', 'src/a/b/x.ts'];
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let compared = 0;
    const dir = mkdtempSync(join(tmpdir(), 'parallel-owners-'));
    const file = join(dir, 'owners');
    for (let trial = 0; trial < 40; trial++) {
      const phases = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, i) => ({
        id: `p${i}${i === 1 ? '-x' : ''}`,
        owns: Array.from({ length: 1 + Math.floor(next() * 2) }, () => patterns[Math.floor(next() * patterns.length)]!),
        exclude: next() < 0.4 ? [patterns[Math.floor(next() * patterns.length)]!] : [],
      }));
      const owners = compileOwners({ phases } as unknown as Plan);
      if (owners === undefined) continue;
      const model = buildOwnership({ shared: [], phases } as unknown as Plan);
      const script = `. "$1"; shift; for p in "$@"; do pl_owners "$p"; printf '%s\\n' "$pl_who"; done`;
      writeFileSync(file, owners);
      const r = spawnSync('sh', ['-c', script, 'sh', file, ...paths], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split('\n').slice(0, -1), `trial ${trial}: ${JSON.stringify(phases)}`).toEqual(paths.map((p) => model.describeOwner(p)));
      compared++;
    }
    rmSync(dir, { recursive: true, force: true });
    expect(compared).toBeGreaterThan(20);
  });

  it('is not compiled when a phase has a rule case cannot express (Node explains then)', () => {
    expect(compileOwners({ phases: [{ id: 'a', owns: ['a/**/b/**'], exclude: [] }] } as unknown as Plan)).toBeUndefined();
  });
});

describe.each(COMMIT_MODES)('a refused commit explained by the shell ($name)', (m) => {
  beforeAll(() => useCommitMode(m));
  afterAll(() => useCommitMode(NO_EDITOR));
  let h: HookRepo;
  let auth: string;
  beforeAll(() => {
    expect(CASE_PLAN).not.toContain('deep');
    h = hookRepo(['auth', 'ui'], CASE_PLAN);
    auth = h.wt('auth');
  });
  afterAll(() => removeRepo(h.repo));

  /** Node's own explanation of what is staged in `cwd`. */
  function nodeSays(cwd: string): string {
    const gitDir = h.repo.git(['rev-parse', '--absolute-git-dir'], { cwd }).stdout.trim();
    const r = spawnSync(process.execPath, [CHECK, 'pre-commit'], { cwd, env: { ...h.repo.env, GIT_DIR: gitDir, GIT_INDEX_FILE: join(gitDir, 'index') }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    return r.stderr;
  }

  it('prints what Node prints, for several foreign and unowned paths, and starts no Node', () => {
    stage(h.repo, auth, { 'src/auth/ok.ts': 'ok\n', 'src/ui/button.ts': 'taken\n', 'lib/x.ts': 'x2\n', 'zz/unowned.txt': 'u\n', 'src/auth/generated/g.ts': 'g2\n' });
    const r = commit(h.repo, auth, [], { PARALLEL_DEBUG: '1' });
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('refused by the shell fast path');
    expect(r.stderr).not.toContain('asking Node');
    const shell = hookSays(r.stderr);
    expect(shell).toBe(nodeSays(auth));
    expect(shell).toContain('auth may not change src/ui/button.ts (owned by ui)');
    expect(shell).toContain('zz/unowned.txt (owned by nobody)');
    expect(shell).toContain('src/auth/generated/g.ts (owned by nobody)');
    clean(h.repo, auth);
  });

  it('leaves a path the message must quote to Node', () => {
    stage(h.repo, auth, { 'src/ui/a b.ts': 'x\n' });
    const r = commit(h.repo, auth, [], { PARALLEL_DEBUG: '1' });
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('asking Node');
    expect(r.stderr).toContain('"src/ui/a b.ts" (owned by ui)');
    clean(h.repo, auth);
  });

  it('leaves a plan with a rule case cannot express to Node', () => {
    // HOOKS_PLAN has phase "deep": no owners file, Node explains.
    const g = hookRepo(['auth']);
    try {
      const wt = g.wt('auth');
      writeFileSync(join(wt, 'README.md'), 'changed\n');
      g.repo.git(['add', 'README.md'], { cwd: wt });
      const r = commit(g.repo, wt, [], { PARALLEL_DEBUG: '1' });
      expect(r.code).toBe(refused());
      expect(r.stderr).toContain('asking Node');
      expect(r.stderr).toContain('README.md (owned by nobody)');
    } finally {
      void removeRepo(g.repo);
    }
  });
});

describe('a submodule the repository says to ignore', () => {
  it('is still judged: another phase\'s submodule bump is refused, with what Node says', () => {
    const g = hookRepo([], CASE_PLAN, { '.gitmodules': '[submodule "sub"]\n\tpath = src/ui/sub\n\turl = ./sub\n\tignore = all\n' });
    try {
      const base = g.repo.rev('HEAD');
      g.repo.git(['update-index', '--add', '--cacheinfo', `160000,${base},src/ui/sub`]);
      g.repo.git(['commit', '-qm', 'a submodule of ui']);
      expect(g.repo.parallel(['start', 'auth']).code).toBe(0);
      const wt = g.wt('auth');
      stage(g.repo, wt, { 'src/auth/ok.ts': 'ok\n' });
      g.repo.git(['update-index', '--cacheinfo', `160000,${g.repo.rev('HEAD')},src/ui/sub`], { cwd: wt });
      const r = commit(g.repo, wt);
      expect(r.code, r.stderr).toBe(refused());
      expect(r.stderr).toContain('auth may not change the submodule src/ui/sub (owned by ui)');
    } finally {
      void removeRepo(g.repo);
    }
  });
});
