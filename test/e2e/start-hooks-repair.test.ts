/**
 * A phase worktree always runs parallel's hooks: `start` sets them before the marker makes a
 * worktree a phase (a kill between the two leaves no unchecked phase), and `start` of an already
 * started phase repairs hooks that are missing or unreachable instead of saying nothing changed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { SCHEMA_AUTH_PLAN, planRepo, wtPath, marker, existsSync, join, type TestRepo } from './worktree-fixtures.js';
import { REFUSED_COMMIT } from '../helpers/repo.js';

function gitDirOf(repo: TestRepo, wt: string): string {
  return repo.git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: wt }).stdout.trim();
}

/** A commit of schema's file in auth's worktree: the hooks must refuse it. */
function foreignCommit(repo: TestRepo, wt: string) {
  repo.write('src/db/x.sql', 'create table x;\n', wt);
  repo.git(['add', 'src/db/x.sql'], { cwd: wt });
  return repo.git(['commit', '-q', '-m', 'foreign'], { cwd: wt, allowFail: true });
}

describe('hooks of a phase worktree', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('a start killed after the hooks but before the marker is adopted by the next start, hooks on', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    const killed = repo.parallel(['start', 'schema'], { env: { PARALLEL_TEST_KILL_AT: '1' } });
    expect(killed.code).not.toBe(0);
    const wt = wtPath(repo, 'schema');
    // Whatever the kill left, no marked worktree runs without parallel's hooks.
    const hooks = repo.git(['rev-parse', '--path-format=absolute', '--git-path', 'hooks'], { cwd: wt }).stdout.trim();
    const marked = existsSync(join(gitDirOf(repo, wt), 'parallel-phase'));
    expect(marked && !hooks.endsWith('parallel/hooks')).toBe(false);
    const again = repo.parallel(['start', 'schema']);
    expect(again.code, again.stderr).toBe(0);
    expect(marker(repo, wt)).toMatchObject({ phase: 'schema' });
    repo.write('src/auth/a.ts', 'x\n', wt);
    repo.git(['add', '.'], { cwd: wt });
    const c = repo.git(['commit', '-q', '-m', 'foreign'], { cwd: wt, allowFail: true });
    expect(c.code).toBe(REFUSED_COMMIT);
    expect(c.stderr).toMatch(/src\/auth\/a\.ts/);
  });

  it('start of an already started phase whose per-worktree core.hooksPath is gone repairs it and says so', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN.replace('    needs: [schema]\n', ''));
    expect(repo.parallel(['start', 'auth']).code).toBe(0);
    const wt = wtPath(repo, 'auth');
    // The state a start killed between marker and hooks left behind (before the fix).
    rmSync(join(gitDirOf(repo, wt), 'config.worktree'));
    const again = repo.parallel(['start', 'auth']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/auth is already started at .*; its hooks were missing or unreachable and now run parallel's checks again\./);
    expect(again.stdout).not.toMatch(/nothing changed/);
    const c = foreignCommit(repo, wt);
    expect(c.code).toBe(REFUSED_COMMIT);
    expect(c.stderr).toMatch(/src\/db\/x\.sql/);
    // Healthy now: a third start changes nothing.
    expect(repo.parallel(['start', 'auth']).stdout).toMatch(/nothing changed/);
  });

  it('start repairs a phase whose hooks folder was deleted', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN.replace('    needs: [schema]\n', ''));
    expect(repo.parallel(['start', 'auth']).code).toBe(0);
    rmSync(join(repo.dir, '.git', 'parallel', 'hooks'), { recursive: true });
    const again = repo.parallel(['start', 'auth']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/its hooks were missing or unreachable/);
    expect(foreignCommit(repo, wtPath(repo, 'auth')).code).toBe(REFUSED_COMMIT);
  });
});
