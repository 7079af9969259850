/**
 * File names git quotes (core.quotePath=true, its default) or a shell could mis-read: the hook
 * must judge the real path in every tier. auth's folder rules and glob's `lib/*.ts` take the
 * shell `case` fast path, deep's two-`**` glob the git pathspec tier; names git quotes go to
 * Node, which reads `-z` output.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { clean, commit, head, hookRepo, stage, staged, removeRepo, type HookRepo, refused, useCommitMode, COMMIT_MODES, NO_EDITOR } from './hooks-fixture.js';
import { showPath } from '../../src/enforce/message.js';

const NAMES: Record<string, string> = {
  space: 'a b',
  tab: 'a\tb',
  newline: 'a\nb',
  'double quote': 'a"b',
  backslash: 'a\\b',
  'NFC é': 'caf\u00e9',
  'NFD é': 'cafe\u0301',
  'leading dash': '-x',
};

let h: HookRepo;
let auth: string;
let glob: string;

beforeAll(() => {
  h = hookRepo(['auth', 'glob', 'deep']);
  auth = h.wt('auth');
  glob = h.wt('glob');
});
afterAll(() => removeRepo(h.repo));
afterEach(() => {
  for (const wt of [auth, glob, h.wt('deep')]) if (existsSync(wt)) clean(h.repo, wt);
});

describe.each([
  ['auth', 'case rules', (n: string) => `src/auth/${n}.ts`],
  ['glob', 'case rules', (n: string) => `lib/${n}.ts`],
  ['deep', 'git pathspecs', (n: string) => `deep/a/x/${n}.ts`],
] as const)('pre-commit of odd names in phase %s (%s)', (phase, tier, owned) => {
  describe.each(COMMIT_MODES)('$name', (m) => {
    beforeAll(() => useCommitMode(m));
    afterAll(() => useCommitMode(NO_EDITOR));

    const wt = () => h.wt(phase);
    // Names git does not quote are the shell tier's to allow; the rest are Node's.
    for (const [label, name] of Object.entries({ space: 'a b', 'leading dash': '-y' })) {
      it(`the shell fast path (${tier}) itself allows an owned file named with a ${label}`, () => {
        stage(h.repo, wt(), { [owned(name)]: `fast (${m.name})\n` });
        const r = commit(h.repo, wt(), [], { PARALLEL_DEBUG: '1' });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toContain(`allowed by the shell fast path (${tier})`);
      });
    }
    for (const [label, name] of Object.entries(NAMES)) {
      it(`allows an owned file named with a ${label}`, () => {
        const before = head(h.repo, wt());
        stage(h.repo, wt(), { [owned(name)]: `mine (${m.name})\n` });
        const r = commit(h.repo, wt());
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toBe('');
        expect(head(h.repo, wt())).not.toBe(before);
      });

      it(`refuses a foreign file named with a ${label}, naming the path and its owner`, () => {
        const before = head(h.repo, wt());
        const foreign = `src/ui/${name}.ts`;
        stage(h.repo, wt(), { [owned('ok')]: 'mine\n', [foreign]: 'theirs\n' });
        const r = commit(h.repo, wt());
        expect(r.code).toBe(refused());
        // Odd names read JSON-quoted in the message (a newline would split the paragraph otherwise).
        expect(r.stderr).toContain(`parallel: ${phase} may not change ${showPath(foreign.normalize('NFC'))} (owned by ui).`);
        expect(head(h.repo, wt())).toBe(before);
        expect(staged(h.repo, wt()).map((p) => p.normalize('NFC')).sort()).toEqual([owned('ok'), foreign.normalize('NFC')].sort());
      });
    }
  });
});

describe('a foreign name starting with "-"', () => {
  it('is refused with an unstage command git does not read as an option, and that command works', () => {
    stage(h.repo, auth, { '-x.ts': 'top\n' });
    const r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain("parallel: auth may not change -x.ts (owned by nobody). Unstage it (git restore --staged -- '-x.ts')");
    const cmd = /Unstage it \((git restore [^)]*)\)/.exec(r.stderr)![1]!;
    const run = spawnSync('sh', ['-c', cmd], { cwd: auth, env: h.repo.env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(staged(h.repo, auth)).toEqual([]);
  });
});

// reference-transaction judges a branch move by `diff-tree` (the same tiers, then Node).
describe.each([
  ['auth', (n: string) => `src/auth/${n}.ts`],
  ['glob', (n: string) => `lib/${n}.ts`],
  ['deep', (n: string) => `deep/a/x/${n}.ts`],
] as const)('moving parallel/%s to a commit of odd names', (phase, owned) => {
  const wt = () => h.wt(phase);
  /** A commit on a detached HEAD made with the checks off (PARALLEL=0), then the branch moved to it with update-ref. */
  const move = (files: Record<string, string>) => {
    const branch = `refs/heads/parallel/${phase}`;
    const old = h.repo.rev(branch);
    h.repo.git(['switch', '-q', '--detach', old], { cwd: wt() });
    stage(h.repo, wt(), files);
    expect(commit(h.repo, wt(), ['--no-verify'], { PARALLEL: '0' }).code).toBe(0);
    const c = head(h.repo, wt());
    const r = h.repo.git(['update-ref', branch, c, old], { cwd: wt(), allowFail: true });
    h.repo.git(['switch', '-q', `parallel/${phase}`], { cwd: wt() });
    return { r, moved: h.repo.rev(branch) === c };
  };

  for (const [label, name] of Object.entries(NAMES)) {
    it(`allows an owned file named with a ${label} and refuses a foreign one, naming it and its owner`, () => {
      const mine = move({ [owned(name)]: 'moved here\n' });
      expect(mine.r.code, mine.r.stderr).toBe(0);
      expect(mine.moved).toBe(true);
      const foreign = `src/ui/${name}.ts`;
      const theirs = move({ [foreign]: 'moved here\n' });
      expect(theirs.r.code).not.toBe(0);
      expect(theirs.moved).toBe(false);
      expect(theirs.r.stderr).toContain(`${showPath(foreign.normalize('NFC'))} (owned by ui)`);
    });
  }
});
