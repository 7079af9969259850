/**
 * Crash safety of `parallel integrate`: the lock (a second run exits 4; a killed run's lock is
 * cleared), `--abort`, and SIGKILL at random moments: after each kill no ref points at an untested
 * merge, every phase commit is still there, and a re-run reaches the same tree as an
 * uninterrupted run, from four starting states (no integration branch, branch present, base
 * moved with the branch diverged, --land). 20 kills by default; PARALLEL_FAULT_RUNS=N changes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, waitUntil } from '../helpers/repo.js';
import { Fixture, letterPhases, planYaml, type IntegrateJson } from './integrate-fixture.js';
import { recordTrustedByHand } from './trusted-fixture.js';

const PLAN = (test: string) => planYaml({ name: 'crash', test, retries: 0, shared: ['config.txt'], phases: letterPhases(4) });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run integrate in its own process group; resolves with the exit code (null if killed). */
function spawnIntegrate(f: Fixture, args: string[], env: NodeJS.ProcessEnv = {}): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, 'integrate', ...args], { cwd: f.repo.dir, env: { ...f.repo.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

function lockPath(f: Fixture): string {
  return join(f.repo.dir, '.git/parallel/integrate/lock');
}

describe('integrate: lock and abort', () => {
  let f: Fixture;
  beforeAll(() => {
    // Held while the flag file exists (the busy test), so the rest stays quick.
    f = new Fixture(PLAN('while test -e $ROOT/slow; do sleep 0.05; done'));
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
  });
  afterAll(() => f.cleanup());

  it('a second integrate while one runs exits 4 at once', async () => {
    writeFileSync(join(f.root, 'slow'), '');
    const first = spawnIntegrate(f, ['--json']);
    try {
      await waitUntil(() => existsSync(lockPath(f)), 'the first integrate to take its lock');
      const t = Date.now();
      const second = f.repo.parallel(['integrate']);
      expect(second.code).toBe(4);
      expect(second.stderr).toMatch(/^parallel: another integrate is running \(pid \d+/);
      // At once: the first is held in its tests until the flag goes, so it still holds the lock;
      // and no retrying meanwhile (one CLI run takes well under this even on a loaded machine).
      expect(existsSync(lockPath(f))).toBe(true);
      expect(Date.now() - t).toBeLessThan(10_000);
    } finally {
      rmSync(join(f.root, 'slow'));
    }
    const out = await first.done;
    expect(out.code, out.stderr).toBe(0);
    expect((JSON.parse(out.stdout) as IntegrateJson).integrated).toEqual(['alpha']);
    expect(existsSync(lockPath(f))).toBe(false);
  });

  it('clears the lock of a killed run', () => {
    const dead = spawnSync('true').pid!;
    mkdirSync(join(f.repo.dir, '.git/parallel/integrate'), { recursive: true });
    writeFileSync(lockPath(f), JSON.stringify({ pid: dead, host: (spawnSync('hostname').stdout ?? '').toString().trim() || 'x', nonce: 'old', since: '2020-01-01T00:00:00Z', command: 'integrate' }));
    const r = f.repo.parallel(['integrate']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('cleared a stale lock');
  });

  it('--abort puts the integration branch back after a run killed once it moved', () => {
    const before = f.rev('parallel/integration');
    f.start('beta');
    f.work('beta', { 'beta/b': 'b\n' });
    f.done('beta');
    const points = f.repo.parallel(['integrate'], { env: { PARALLEL_TEST_KILL_AT: 'list' } });
    expect(points.code).toBe(0);
    // Undo that run to kill the same job at its "moved" point.
    f.repo.git(['update-ref', 'refs/heads/parallel/integration', before!]);
    const n = points.stderr.split('\n').find((l) => l.endsWith(': moved'))!.match(/fault point (\d+)/)![1]!;
    const killed = f.repo.parallel(['integrate'], { env: { PARALLEL_TEST_KILL_AT: n } });
    expect(killed.code).not.toBe(0);
    expect(f.rev('parallel/integration')).not.toBe(before);
    const dry = f.repo.parallel(['integrate', '--dry-run']);
    expect(dry.stdout).toContain('An interrupted integrate');
    const abort = f.repo.parallel(['integrate', '--abort']);
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.stdout).toContain('parallel/integration is back at');
    expect(f.rev('parallel/integration')).toBe(before);
    const log = f.repo.json<{ events: { type: string }[] }>(['log']);
    expect(log.data.events.map((e) => e.type)).toContain('aborted');
    expect(f.repo.parallel(['integrate', '--abort']).code).toBe(1); // nothing left to abort
    expect(f.repo.parallel(['integrate', '--continue']).code).toBe(1);
    const again = f.integrate();
    expect(again.code).toBe(0);
    expect(again.data.integrated).toEqual(['beta']);
  });
});

describe('integrate killed inside a git write', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(PLAN('true'));
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
  });
  afterAll(() => f.cleanup());

  it('--land killed inside the fast-forward of the checked-out base: the re-run finishes the landing git had checked out but not moved the ref for', () => {
    const start = f.rev('main')!;
    const points = f.repo.parallel(['integrate', '--land'], { env: { PARALLEL_TEST_KILL_AT: 'list' } });
    expect(points.code, points.stderr).toBe(0);
    expect(f.rev('main')).not.toBe(start);
    // Undo that run to kill the same job just before it lands.
    f.repo.git(['reset', '--hard', '-q', start]);
    f.repo.git(['update-ref', '-d', 'refs/heads/parallel/integration']);
    const n = points.stderr.split('\n').find((l) => l.endsWith(': recorded'))!.match(/fault point (\d+)/)![1]!;
    const killed = f.repo.parallel(['integrate', '--land'], { env: { PARALLEL_TEST_KILL_AT: n } });
    expect(killed.code).not.toBe(0);
    const head = f.rev('parallel/integration')!;
    const before = f.rev('main')!;
    expect(head).not.toBe(before);
    // What `git merge --ff-only` leaves when killed between its checkout and its ref update: the
    // index and files at the tested head, main still at the old commit (git's own two-tree checkout).
    f.repo.git(['read-tree', '-m', '-u', before, head]);
    expect(f.repo.git(['status', '--porcelain']).stdout).not.toBe('');
    const again = f.integrate(['--land']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.data.landed).toBe(true);
    expect(f.rev('main')).toBe(head);
    expect(f.repo.git(['status', '--porcelain', '--untracked-files=no']).stdout).toBe('');
    expect(readFileSync(join(f.repo.dir, 'alpha/a'), 'utf8')).toBe('a\n');
  });

  it('killed while writing its trusted record: the re-run clears the coordination ref\'s lock it left and moves the branch', () => {
    f.start('beta');
    f.work('beta', { 'beta/b': 'b\n' });
    f.done('beta');
    const before = f.rev('parallel/integration');
    const points = f.repo.parallel(['integrate'], { env: { PARALLEL_TEST_KILL_AT: 'list' } });
    expect(points.code, points.stderr).toBe(0);
    // Undo it, to kill the same job.
    f.repo.git(before ? ['update-ref', 'refs/heads/parallel/integration', before] : ['update-ref', '-d', 'refs/heads/parallel/integration']);
    const n = points.stderr.split('\n').find((l) => l.endsWith(': before-move'))!.match(/fault point (\d+)/)![1]!;
    const killed = f.repo.parallel(['integrate'], { env: { PARALLEL_TEST_KILL_AT: n } });
    expect(killed.code).not.toBe(0);
    expect(f.rev('parallel/integration')).toBe(before);
    // What a store write killed mid-way leaves: the ref's lock file, going stale.
    const lock = join(f.repo.dir, '.git/refs/notes/parallel.lock');
    writeFileSync(lock, `${f.rev('refs/notes/parallel')}\n`);
    const old = new Date(Date.now() - 10_000);
    utimesSync(lock, old, old);
    const again = f.integrate();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("cleared the coordination ref's lock");
    expect(again.data.integrated).toContain('beta');
    expect(f.show('parallel/integration', 'beta/b')).toBe('b\n');
    expect(existsSync(lock)).toBe(false);
  });
});

describe('integrate: SIGKILL at random moments', () => {
  const RUNS = Number(process.env.PARALLEL_FAULT_RUNS) || 20;
  let f: Fixture;
  let tips: Map<string, string>;

  /**
   * Starting states, so that every stage gets killed: no integration branch; the branch present
   * (compare-and-swap from an existing value); base moved on while the branch holds its own
   * commit (the bring-up-to-base merge first); and --land (base fast-forwarded at the end).
   */
  interface Scenario {
    name: string;
    main: string;
    integration: string | null;
    args: string[];
    points: number;
    reference: { code: number; tree: string; integrated: string[] };
  }
  const scenarios: Scenario[] = [];

  // A missing ref reads as text, not a throw, so the failing assertion names its run and kill point.
  const tree = (ref: string) => f.rev(`${ref}^{tree}`) ?? `(no ${ref})`;
  const journal = () => join(f.repo.dir, '.git/parallel/integrate/journal.json');
  const setUp = (s: Pick<Scenario, 'main' | 'integration'>) => {
    f.repo.git(['reset', '--hard', '-q', s.main]); // main is checked out in the main worktree
    if (s.integration) f.repo.git(['update-ref', 'refs/heads/parallel/integration', s.integration]);
    else f.repo.git(['update-ref', '-d', 'refs/heads/parallel/integration']);
  };

  beforeAll(() => {
    // alpha and delta conflict on config.txt (delta is skipped), beta turns the tests red.
    f = new Fixture(PLAN('test ! -e beta/BROKEN'), { 'config.txt': 'v=0\n' });
    f.finish({
      alpha: { 'alpha/a': 'a\n', 'config.txt': 'v=1\n' },
      beta: { 'beta/b': 'b\n', 'beta/BROKEN': 'x\n' },
      gamma: { 'gamma/c': 'c\n' },
      delta: { 'delta/d': 'd\n', 'config.txt': 'v=2\n' },
    });
    tips = new Map(['alpha', 'beta', 'gamma', 'delta'].map((p) => [p, f.rev(`parallel/${p}`)!]));
    const m0 = f.rev('main')!;
    const m1 = f.repo.commit({ 'docs/base.md': 'base moved on\n' }, 'base moves on');
    const side = f.repo.git(['commit-tree', `${m0}^{tree}`, '-p', m0, '-m', 'work on the integration branch itself']).stdout.trim();
    // As if an earlier integrate had made it: integrate builds only on commits it recorded.
    recordTrustedByHand(f.repo, side);
    const states: Omit<Scenario, 'points' | 'reference'>[] = [
      { name: 'no integration branch', main: m0, integration: null, args: [] },
      { name: 'integration branch present', main: m1, integration: m0, args: [] },
      { name: 'base moved, branch diverged', main: m1, integration: side, args: [] },
      { name: '--land', main: m1, integration: null, args: ['--land'] },
    ];
    for (const st of states) {
      setUp(st);
      const listed = f.repo.parallel(['integrate', '--json', ...st.args], { env: { PARALLEL_TEST_KILL_AT: 'list' } });
      const points = listed.stderr.split('\n').filter((l) => l.startsWith('fault point')).length;
      const data = JSON.parse(listed.stdout) as IntegrateJson;
      expect(data.integrated, `${st.name}: ${listed.stderr}`).toEqual(['alpha', 'gamma']);
      expect(listed.code).toBe(1);
      expect(points).toBeGreaterThan(8);
      if (st.args.includes('--land')) expect(data.landed).toBe(true);
      scenarios.push({ ...st, points, reference: { code: listed.code, tree: tree('parallel/integration'), integrated: data.integrated } });
    }
  });
  afterAll(() => f.cleanup());

  it(`survives ${RUNS} kills in varied starting states: no ref at an untested merge, nothing lost, the re-run reaches the same tree`, async () => {
    for (let run = 0; run < RUNS; run++) {
      const sc = scenarios[run % scenarios.length]!;
      setUp(sc);
      const byPoint = run % 3 !== 2;
      const env = byPoint ? { PARALLEL_TEST_KILL_AT: String(1 + Math.floor(Math.random() * sc.points)) } : {};
      const p = spawnIntegrate(f, sc.args, env);
      if (!byPoint) {
        await sleep(100 + Math.random() * 700);
        try {
          process.kill(-p.child.pid!, 'SIGKILL'); // the whole group: git children die mid-operation too
        } catch {
          // already finished
        }
      }
      const out = await p.done;
      const what = `run ${run}, ${sc.name} (${byPoint ? `fault point ${env.PARALLEL_TEST_KILL_AT} of ${sc.points}` : 'timed kill'}, exit ${out.code})`;
      // No ref at an untested merge: the integration branch is where it was or at the tested result.
      const head = f.rev('parallel/integration');
      if (head !== sc.integration) expect(tree('parallel/integration'), what).toBe(sc.reference.tree);
      const main = f.rev('main');
      if (main !== sc.main) {
        expect(sc.args, what).toContain('--land');
        expect(tree('main'), what).toBe(sc.reference.tree);
      }
      for (const [id, tip] of tips) expect(f.rev(`parallel/${id}`), what).toBe(tip);
      // The next run (plain or --continue) finishes the same job.
      const resumed = f.repo.parallel(['integrate', ...sc.args, ...(run % 2 === 0 && existsSync(journal()) ? ['--continue'] : []), '--json']);
      const after = `${what}; re-run: ${resumed.stderr}`;
      expect(resumed.code, after).toBe(sc.reference.code);
      expect(tree('parallel/integration'), after).toBe(sc.reference.tree);
      if (sc.args.includes('--land')) expect(tree('main'), after).toBe(sc.reference.tree);
      else expect(f.rev('main'), after).toBe(sc.main);
      expect(existsSync(journal()), what).toBe(false);
      expect(existsSync(lockPath(f)), what).toBe(false);
    }
  }, 600_000);
});
