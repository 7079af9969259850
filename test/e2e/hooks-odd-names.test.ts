/**
 * File names git quotes (core.quotePath=true, its default) or a shell could mis-read: the hook
 * must judge the real path in every tier. auth's folder rules take the shell `case` fast path,
 * glob's `lib/*.ts` the git pathspec tier; quoted names go to Node, which reads `-z` output.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { clean, commit, head, hookRepo, stage, staged, removeRepo, type HookRepo } from './hooks-fixture.js';
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
  h = hookRepo(['auth', 'glob']);
  auth = h.wt('auth');
  glob = h.wt('glob');
});
afterAll(() => removeRepo(h.repo));
afterEach(() => {
  for (const wt of [auth, glob]) if (existsSync(wt)) clean(h.repo, wt);
});

describe.each([
  ['auth', 'case rules', (n: string) => `src/auth/${n}.ts`],
  ['glob', 'git pathspecs', (n: string) => `lib/${n}.ts`],
] as const)('pre-commit of odd names in phase %s (%s)', (phase, _tier, owned) => {
  const wt = () => (phase === 'auth' ? auth : glob);
  for (const [label, name] of Object.entries(NAMES)) {
    it(`allows an owned file named with a ${label}`, () => {
      const before = head(h.repo, wt());
      stage(h.repo, wt(), { [owned(name)]: 'mine\n' });
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
      expect(r.code).toBe(1);
      // Odd names read JSON-quoted in the message (a newline would split the paragraph otherwise).
      expect(r.stderr).toContain(`parallel: ${phase} may not change ${showPath(foreign.normalize('NFC'))} (owned by ui).`);
      expect(head(h.repo, wt())).toBe(before);
      expect(staged(h.repo, wt()).map((p) => p.normalize('NFC')).sort()).toEqual([owned('ok'), foreign.normalize('NFC')].sort());
    });
  }
});

describe('a foreign name starting with "-"', () => {
  it('is refused with an unstage command git does not read as an option, and that command works', () => {
    stage(h.repo, auth, { '-x.ts': 'top\n' });
    const r = commit(h.repo, auth);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("parallel: auth may not change -x.ts (owned by nobody). Unstage it (git restore --staged -- '-x.ts')");
    const cmd = /Unstage it \((git restore [^)]*)\)/.exec(r.stderr)![1]!;
    const run = spawnSync('sh', ['-c', cmd], { cwd: auth, env: h.repo.env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(staged(h.repo, auth)).toEqual([]);
  });
});
