/**
 * Ownership edge cases end to end (hook, verify, check): a symlink is judged by where it finally
 * leads (through other links), `dir/` is the folder itself and everything below it, and an
 * exclude applies to its own phase only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { symlinkSync } from 'node:fs';
import { planRepo, wtPath, join, type TestRepo } from './worktree-fixtures.js';
import { REFUSED_COMMIT } from '../helpers/repo.js';

const PLAN = `version: 1
name: app
phases:
  - id: a
    task: A
    owns: [src/**]
    exclude: [src/b/]
  - id: b
    task: B
    owns: [src/b/]
`;

function addLink(repo: TestRepo, wt: string, target: string, path: string) {
  symlinkSync(target, join(wt, path));
  repo.git(['add', path], { cwd: wt });
  return commit(repo, wt, true);
}

/** verify: hooks on; else with --no-verify (the reference-transaction hook still judges) or no hooks at all. */
function commit(repo: TestRepo, wt: string, verify: boolean | 'no-hooks') {
  const args = verify === 'no-hooks' ? ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--no-verify'] : ['commit', '-q', ...(verify ? [] : ['--no-verify'])];
  return repo.git([...args, '-m', 'link'], { cwd: wt, allowFail: true });
}

describe('ownership of symlinks and folders', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('refuses a link to a link into another phase\'s folder, in the hook and in verify', () => {
    repo = planRepo(PLAN, { files: { 'src/b/y.txt': 'y\n', 'src/a.txt': 'a\n' } });
    expect(repo.parallel(['start', 'a']).code).toBe(0);
    const wt = wtPath(repo, 'a');
    // src/bb -> b leads to the folder src/b, which is b's (src/b/ is the folder itself too).
    const first = addLink(repo, wt, 'b', 'src/bb');
    expect(first.code).toBe(REFUSED_COMMIT);
    expect(first.stderr).toMatch(/a may not add the symlink src\/bb -> b, which leads to src\/b \(owned by b\)/);
    // --no-verify: the reference-transaction hook refuses it too.
    const nv = commit(repo, wt, false);
    expect(nv.code).not.toBe(0);
    expect(nv.stderr).toMatch(/src\/bb -> b, which leads to src\/b \(owned by b\)/);
    // With the hooks off altogether it slips past: verify names it.
    expect(commit(repo, wt, 'no-hooks').code).toBe(0);
    // src/yl -> bb/y.txt goes through src/bb: it is b's file.
    const second = addLink(repo, wt, 'bb/y.txt', 'src/yl');
    expect(second.code).toBe(REFUSED_COMMIT);
    expect(second.stderr).toMatch(/src\/yl -> bb\/y\.txt, which leads to src\/b\/y\.txt \(owned by b\)/);
    expect(commit(repo, wt, 'no-hooks').code).toBe(0);
    const v = repo.json<{ ok: boolean; violations: { path: string; owner: string }[] }>(['verify', 'a']);
    expect(v.code).toBe(1);
    expect(v.data.violations.map((x) => [x.path, x.owner])).toEqual([['src/bb', 'b'], ['src/yl', 'b']]);
  });

  it('lets b link to its own folder from below it (../b is b\'s, not nobody\'s)', () => {
    repo = planRepo(PLAN, { files: { 'src/b/y.txt': 'y\n' } });
    expect(repo.parallel(['start', 'b']).code).toBe(0);
    const wt = wtPath(repo, 'b');
    const r = addLink(repo, wt, '../b', 'src/b/self');
    expect(r.code, r.stderr).toBe(0);
    expect(repo.parallel(['verify', 'b']).code).toBe(0);
  });

  it('check lists no file another phase owns as unowned (excludes apply to their own phase only)', () => {
    repo = planRepo(PLAN.replace('exclude: [src/b/]', 'exclude: [src/b/**]'), { files: { 'src/b/y.txt': 'y\n', 'src/x.txt': 'x\n', 'lib/z.txt': 'z\n' } });
    const { data } = repo.json<{ unowned: { count: number; examples: string[] } }>(['check']);
    expect(data.unowned).toEqual({ count: 2, examples: ['README.md', 'lib/z.txt'] });
  });
});
