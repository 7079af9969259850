/**
 * `remove --force` of a worktree whose work is commits on a detached HEAD (a `rebase -i` stopped
 * at "edit", then amended) prints a way back that brings back exactly what was there: HEAD at
 * the amended commit, and the uncommitted changes on top of it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { planRepo, wtPath, SCHEMA_AUTH_PLAN, existsSync, type TestRepo } from './worktree-fixtures.js';

function snapshot(repo: TestRepo, wt: string) {
  return {
    head: repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim(),
    diff: repo.git(['diff', 'HEAD', '--binary'], { cwd: wt }).stdout,
    untracked: repo.git(['ls-files', '--others', '--exclude-standard', '-z'], { cwd: wt }).stdout,
    log: repo.git(['log', '--format=%H %s', 'HEAD'], { cwd: wt }).stdout,
  };
}

describe('remove --force of a detached HEAD with commits on no branch', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('saves the commits and the files, and the printed commands restore exactly that', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    const wt = wtPath(repo, 'schema');
    repo.commit({ 'src/db/a.sql': 'v1\n' }, 'tables', wt);
    // rebase -i stopped at "edit", the commit amended: the new commit is on no branch.
    repo.git(['rebase', '-q', '-i', 'HEAD~1'], { cwd: wt, env: { GIT_SEQUENCE_EDITOR: "sed -i 's/^pick/edit/'" } });
    repo.write('src/db/a.sql', 'v2 amended\n', wt);
    repo.git(['commit', '-q', '--amend', '-a', '-m', 'tables, amended'], { cwd: wt });
    repo.write('src/db/b.sql', 'untracked\n', wt);
    repo.write('src/db/a.sql', 'v3 uncommitted\n', wt);
    const before = snapshot(repo, wt);
    expect(repo.git(['branch', '--contains', before.head]).stdout.trim()).toBe('');

    const refusedRemove = repo.parallel(['remove', 'schema']);
    expect(refusedRemove.code).toBe(1);
    expect(refusedRemove.stderr).toMatch(/commits: {3}HEAD [0-9a-f]{12} is detached and on no branch/);
    const f = repo.parallel(['remove', 'schema', '--force']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toMatch(/saved its work \(3 items: the commits of its detached HEAD [0-9a-f]{12}, on no branch, and what was uncommitted\)/);
    expect(existsSync(wt)).toBe(false);
    const hint = /get it back: parallel start schema, then in its worktree: (.*)$/m.exec(f.stdout)![1]!;

    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    const sh = spawnSync('sh', ['-c', hint], { cwd: wt, env: repo.env, encoding: 'utf8' });
    expect(sh.status, sh.stderr).toBe(0);
    expect(snapshot(repo, wt)).toEqual(before);
  });
});
