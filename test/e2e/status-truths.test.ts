/**
 * What the tool tells must be true: a removed worktree is not "missing", a session id used again
 * starts fresh, init does not say "nothing to change" while it repairs hooks, a repository with no
 * commits can follow the advice it gets, a dry run during a live integrate does not call it
 * interrupted, and `done --output` names real files.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { TestRepo, CLI, waitUntil } from '../helpers/repo.js';
import { SCHEMA_AUTH_PLAN, planRepo, wtPath, existsSync, join } from './worktree-fixtures.js';

interface Row { id: string; state: string; session: string; sessions: string[]; progress: number; message: string | null; errors: number }
const row = (repo: TestRepo, id: string) => repo.json<{ phases: Row[] }>(['status']).data.phases.find((p) => p.id === id)!;

describe('status that tells the truth', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('a worktree removed with "parallel remove" is not missing: the phase keeps its state', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    expect(repo.parallel(['remove', 'schema']).code).toBe(0);
    expect(row(repo, 'schema').state).toBe('running');
    // --wait keeps waiting for it (exit 3 at the timeout), it does not fail (exit 1).
    expect(repo.parallel(['status', '--wait', '--timeout', '1s']).code).toBe(3);
    // Deleted by hand (and pruned from git's list) is still missing.
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    rmSync(wtPath(repo, 'schema'), { recursive: true, force: true });
    repo.git(['worktree', 'prune']);
    expect(row(repo, 'schema').state).toBe('missing');
  });

  it('a relay back to a session id used before starts fresh, and sessions lists the relays in order', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    const wt = wtPath(repo, 'schema');
    expect(repo.parallel(['heartbeat', '-p', '40', '-m', 'old progress'], { cwd: wt }).code).toBe(0);
    expect(repo.parallel(['error', '-m', 'old error'], { cwd: wt }).code).toBe(0);
    expect(repo.parallel(['fail', '-m', 'gave up'], { cwd: wt }).code).toBe(0);
    expect(repo.parallel(['start', 'schema', '--session', 'schema-2']).code).toBe(0);
    expect(repo.parallel(['fail', '-m', 'gave up too'], { cwd: wt }).code).toBe(0);
    const back = repo.parallel(['start', 'schema', '--session', 'schema']);
    expect(back.code, back.stderr).toBe(0);
    expect(row(repo, 'schema')).toMatchObject({ state: 'running', session: 'schema', progress: 0, message: null, errors: 0, sessions: ['schema', 'schema-2', 'schema'] });
  });

  it('init says it repaired the hooks instead of "nothing to change"', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    expect(repo.parallel(['init']).code).toBe(0);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    expect(repo.parallel(['init']).stdout).toMatch(/nothing to change/);
    const gitDir = repo.git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: wtPath(repo, 'schema') }).stdout.trim();
    rmSync(join(gitDir, 'config.worktree'));
    const r = repo.parallel(['init']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/nothing to change/);
    expect(r.stdout).toMatch(/its hooks needed repair:\nhooks: schema .* now runs parallel's checks/);
  });

  it('in a repository with no commits, the advice ("parallel init") works', () => {
    repo = new TestRepo();
    repo.write('src/a.ts', 'a\n');
    const start = repo.parallel(['start', '--ready']);
    expect(start.code).toBe(2);
    expect(start.stderr).toMatch(/no commits yet.*run "parallel init"/);
    const init = repo.parallel(['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/Recorded base: main/);
    expect(init.stdout).toMatch(/commit it on main \(the first commit\)/);
    expect(existsSync(join(repo.dir, '.parallel.yml'))).toBe(true);
    repo.git(['add', '-A']);
    repo.git(['commit', '-q', '-m', 'plan']);
    expect(repo.parallel(['check']).code).toBe(0);
    const ready = repo.parallel(['start', '--ready']);
    expect(ready.code, ready.stderr).toBe(0);
    expect(ready.stdout).toMatch(/started /);
  });

  it('integrate --dry-run while another integrate runs says so, not that one is interrupted', async () => {
    // The test step holds the first integrate until the hold file goes.
    repo = planRepo(SCHEMA_AUTH_PLAN.replace('phases:', 'test: while test -e "$(git rev-parse --path-format=absolute --git-common-dir)/hold"; do sleep 0.05; done\nphases:'));
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    repo.commit({ 'src/db/a.sql': 'a\n' }, 'tables', wtPath(repo, 'schema'));
    expect(repo.parallel(['done'], { cwd: wtPath(repo, 'schema') }).code).toBe(0);
    writeFileSync(join(repo.dir, '.git', 'hold'), '');
    const child = spawn(process.execPath, [CLI, 'integrate'], { cwd: repo.dir, env: repo.env, stdio: 'ignore' });
    const finished = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    const lock = join(repo.dir, '.git', 'parallel', 'integrate', 'lock');
    try {
      await waitUntil(() => existsSync(lock), 'the first integrate to take its lock');
      const dry = repo.parallel(['integrate', '--dry-run']);
      expect(dry.stdout + dry.stderr).toMatch(/Another integrate is running now \(pid \d+/);
      expect(dry.stdout + dry.stderr).not.toMatch(/interrupted/);
    } finally {
      rmSync(join(repo.dir, '.git', 'hold'));
    }
    expect(await finished).toBe(0);
  });

  it('done --output refuses a path that does not exist or is a folder (exit 2), and records a file', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    const wt = wtPath(repo, 'schema');
    const missing = repo.parallel(['done', '--output', 'nope.md'], { cwd: wt });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the output file "nope\.md" does not exist/);
    repo.write('out/report.md', 'r\n', wt);
    const folder = repo.parallel(['done', '--output', 'out'], { cwd: wt });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/the output "out" is a folder/);
    expect(row(repo, 'schema').state).toBe('running');
    expect(repo.parallel(['done', '--output', 'out/report.md'], { cwd: wt }).code).toBe(0);
    expect(repo.json<{ phases: { id: string; output_files: string[] }[] }>(['status']).data.phases.find((p) => p.id === 'schema')!.output_files).toEqual(['out/report.md']);
  });
});
