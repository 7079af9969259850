/**
 * Ways out of a stuck integrate: a conflict between base and the integration branch leaves no
 * pending job and names a way out that works; `--abort` closes a job even when someone else
 * moved the integration branch (leaving it alone).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fixture, letterPhases, planYaml } from './integrate-fixture.js';

const PLAN = planYaml({ name: 'recover', test: 'test -e README.md', shared: ['config.txt'], phases: letterPhases(2) });

describe('integrate: ways out of a stuck job', () => {
  let f: Fixture;
  const journal = () => join(f.repo.dir, '.git/parallel/integrate/journal.json');
  beforeAll(() => {
    f = new Fixture(PLAN, { 'config.txt': 'v=0\n' });
  });
  afterAll(() => f.cleanup());

  it('base conflicting with the integration branch: no pending job, and the named way out works', () => {
    f.finish({ alpha: { 'alpha/a': 'a\n', 'config.txt': 'v=1\n' } });
    expect(f.integrate().data.integrated).toEqual(['alpha']);
    const before = f.rev('parallel/integration');
    f.repo.commit({ 'config.txt': 'v=2\n' }, 'base changes config');
    const r = f.repo.parallel(['integrate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('have diverged and conflict in config.txt');
    expect(r.stderr).toContain('no integrate is pending');
    expect(r.stderr).toContain('git branch -f parallel/integration main');
    expect(r.stderr).not.toContain('--land');
    expect(f.rev('parallel/integration')).toBe(before);
    expect(existsSync(journal())).toBe(false);
    // --dry-run predicts it: exit 1, and says the run would stop.
    const dry = f.repo.parallel(['integrate', '--dry-run']);
    expect(dry.code, dry.stdout).toBe(1);
    expect(dry.stdout).toContain('The run would refuse: parallel/integration and main have diverged and conflict');
    // Running it again meets the same conflict (not a stale job); there is nothing to continue.
    expect(f.repo.parallel(['integrate']).stderr).toContain('have diverged and conflict');
    expect(f.repo.parallel(['integrate', '--continue']).stderr).toContain('no interrupted integrate');
    // The way out: start the branch over from base; alpha merges again (and now meets base's change).
    f.repo.git(['branch', '-f', 'parallel/integration', 'main']);
    const again = f.integrate();
    expect(again.data.skipped.find((s) => s.id === 'alpha')).toMatchObject({ reason: 'conflict' });
    expect(existsSync(journal())).toBe(false);
    // alpha catches up with base; then it integrates.
    const wt = f.worktree('alpha');
    f.repo.parallel(['update'], { cwd: wt });
    f.repo.write('config.txt', 'v=2\nalpha=1\n', wt);
    f.repo.git(['add', 'config.txt'], { cwd: wt });
    f.repo.git(['commit', '-q', '--no-edit'], { cwd: wt });
    const fixed = f.integrate();
    expect(fixed.code, JSON.stringify(fixed.data)).toBe(0);
    expect(fixed.data.integrated).toEqual(['alpha']);
  });

  it('killed before moving, then someone moves the branch: --abort closes the job and leaves the branch alone', () => {
    f.finish({ beta: { 'beta/b': 'b\n' } });
    const listed = f.repo.parallel(['integrate', '--dry-run']);
    expect(listed.stdout).toContain('beta');
    const points = f.repo.parallel(['integrate'], { env: { PARALLEL_TEST_KILL_AT: 'list' } });
    const n = points.stderr.split('\n').find((l) => l.endsWith(': before-move'))!.match(/fault point (\d+)/)![1]!;
    // That listing run integrated beta: put the branch back to kill the same work at before-move.
    const integrated = f.rev('parallel/integration')!;
    f.repo.git(['update-ref', 'refs/heads/parallel/integration', `${integrated}^1`]);
    const killed = f.repo.parallel(['integrate'], { env: { PARALLEL_TEST_KILL_AT: n } });
    expect(killed.code).not.toBe(0);
    expect(existsSync(journal())).toBe(true);
    // Someone else moves the integration branch meanwhile.
    f.repo.git(['update-ref', 'refs/heads/parallel/integration', 'main']);
    const main = f.rev('main');
    const resumed = f.repo.parallel(['integrate']);
    expect(resumed.code, resumed.stderr).toBe(1);
    expect(resumed.stderr).toContain('parallel integrate --abort');
    const abort = f.repo.parallel(['integrate', '--abort']);
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.stdout).toContain('which this integrate did not do; it is left alone');
    expect(f.rev('parallel/integration')).toBe(main);
    expect(existsSync(journal())).toBe(false);
    const log = f.repo.json<{ events: { type: string; message: string }[] }>(['log']);
    expect(log.data.events.filter((e) => e.type === 'aborted').at(-1)!.message).toContain('moved by someone else');
    const again = f.integrate();
    expect(again.code, JSON.stringify(again.data)).toBe(0);
    expect(again.data.integrated).toEqual(['alpha', 'beta']);
  });

  it('--dry-run exits 1 when the integration branch is checked out in a worktree (the run would refuse)', () => {
    const wt = join(f.root, 'integration-wt');
    f.repo.git(['worktree', 'add', '--quiet', wt, 'parallel/integration']);
    const dry = f.repo.json<{ would_refuse?: string }>(['integrate', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.data.would_refuse).toContain(`parallel/integration is checked out in the worktree ${wt}`);
    expect(f.repo.parallel(['integrate']).code).toBe(1);
    f.repo.git(['worktree', 'remove', wt]);
    expect(f.repo.parallel(['integrate', '--dry-run']).code).toBe(0);
  });
});

describe('integrate: leftovers (test.pid, missing worktrees)', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(PLAN);
  });
  afterAll(() => f.cleanup());

  const startOf = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
    } catch {
      return false;
    }
  };
  const group = () => {
    const child = spawn('setsid', ['sleep', '30'], { stdio: 'ignore', detached: false });
    return child;
  };

  it("keeps a user's worktree deleted by hand listed as prunable; a scratch worktree deleted by hand is rebuilt", () => {
    f.start('alpha');
    rmSync(f.worktree('alpha'), { recursive: true, force: true });
    const prunable = () => f.repo.git(['worktree', 'list', '--porcelain']).stdout.split('\n\n').filter((b) => b.includes('prunable')).join('\n');
    expect(prunable()).toContain(f.worktree('alpha'));
    expect(f.repo.parallel(['integrate']).code).toBe(0); // creates the scratch worktree
    expect(prunable()).toContain(f.worktree('alpha'));
    rmSync(join(f.repo.root, 'repo-integration'), { recursive: true, force: true });
    const again = f.repo.parallel(['integrate']);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(f.repo.root, 'repo-integration/README.md'))).toBe(true);
    expect(prunable()).toContain(f.worktree('alpha'));
  });

  it('stops the recorded test group only when its start time matches (a reused pid is left alone)', async () => {
    const pidFile = join(f.repo.dir, '.git/parallel/integrate/test.pid');
    mkdirSync(join(f.repo.dir, '.git/parallel/integrate'), { recursive: true });
    const stranger = group();
    const mine = group();
    try {
      await new Promise((r) => setTimeout(r, 100));
      // A pid file naming a process that started at another time: someone else's, reusing the pid.
      writeFileSync(pidFile, `${stranger.pid} 1\n`);
      expect(f.repo.parallel(['integrate']).code).toBe(0);
      expect(existsSync(pidFile)).toBe(false);
      expect(alive(stranger.pid!)).toBe(true);
      // The same pid with its real start time: an orphaned test of a killed run, stopped.
      writeFileSync(pidFile, `${mine.pid} ${startOf(mine.pid!)}\n`);
      expect(f.repo.parallel(['integrate']).code).toBe(0);
      await new Promise((r) => setTimeout(r, 100));
      expect(alive(mine.pid!)).toBe(false);
    } finally {
      stranger.kill('SIGKILL');
      mine.kill('SIGKILL');
    }
  });
});

describe('integrate: the merge identity is pinned by the job', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(PLAN);
    f.finish({ alpha: { 'alpha/a': 'a\n' }, beta: { 'beta/b': 'b\n' } });
  });
  afterAll(() => f.cleanup());

  it('a job resumed under another identity (and with --each) merges as it started: same identity, and says --each is ignored', () => {
    const alice = { GIT_AUTHOR_NAME: 'Alice', GIT_AUTHOR_EMAIL: 'alice@example.com', GIT_COMMITTER_NAME: 'Alice', GIT_COMMITTER_EMAIL: 'alice@example.com' };
    const bob = { GIT_AUTHOR_NAME: 'Bob', GIT_AUTHOR_EMAIL: 'bob@example.com', GIT_COMMITTER_NAME: 'Bob', GIT_COMMITTER_EMAIL: 'bob@example.com' };
    const listed = f.repo.parallel(['integrate'], { env: { PARALLEL_TEST_KILL_AT: 'list' } });
    const n = listed.stderr.split('\n').find((l) => l.endsWith(': merged-alpha'))!.match(/fault point (\d+)/)![1]!;
    f.repo.git(['update-ref', '-d', 'refs/heads/parallel/integration']);
    expect(f.repo.parallel(['integrate'], { env: { ...alice, PARALLEL_TEST_KILL_AT: n } }).code).not.toBe(0);
    const resumed = f.repo.parallel(['integrate', '--each'], { env: bob });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming the interrupted integrate without --each');
    const people = f.repo.git(['log', '--first-parent', '--merges', '--format=%an <%ae> / %cn <%ce>', 'parallel/integration']).stdout.trim().split('\n');
    expect(people).toEqual(['Alice <alice@example.com> / Alice <alice@example.com>', 'Alice <alice@example.com> / Alice <alice@example.com>']);
  });
});
