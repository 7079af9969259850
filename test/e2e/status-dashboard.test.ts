/**
 * `parallel status` end to end: the dashboard, every JSON field, one state per phase with SPEC's
 * precedence (missing > timed_out > stale > running), counts that add up, --wait's exit codes and
 * --watch on a pipe.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRepo, addPhase, apiStart, phaseOf, CLI, ROOT, SPEC_PLAN, type StatusJson, type TestRepo } from './store-fixture.js';

const FIELDS = ['id', 'state', 'session', 'sessions', 'task', 'progress', 'message', 'errors', 'started_at', 'last_heartbeat', 'completed_at', 'output_files', 'metadata', 'branch', 'worktree', 'commits', 'files_changed', 'checklist', 'review', 'needs', 'waiting_reason'];

function sumStates(counts: Record<string, number>): number {
  return Object.entries(counts).filter(([k]) => k !== 'total').reduce((a, [, v]) => a + v, 0);
}

/** Run `parallel status ARGS`, press Ctrl-C once `ready(stdout, stderr)` holds, and collect what it printed. */
async function interruptWhen(repo: TestRepo, args: string[], ready: (out: string, err: string) => boolean): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [CLI, 'status', ...args], { cwd: repo.dir, env: repo.env });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (ready(out, err)) {
        clearInterval(check);
        resolve();
      }
    }, 20);
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, out, err };
}

describe('status', () => {
  let repo: TestRepo;
  let schema: string;
  let dashboard: string;

  beforeAll(() => {
    repo = planRepo(SPEC_PLAN);
    // Worktrees only: the phases start in the tests below.
    schema = addPhase(repo, 'schema', { start: false });
    dashboard = addPhase(repo, 'dashboard', { start: false });
  });
  afterAll(() => repo.cleanup());

  it('shows the dashboard with pending phases and every JSON field', () => {
    const text = repo.parallel(['status']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Parallel: client-portal\s+base main · 4 phases · 3 waves$/m);
    expect(text.stdout).toMatch(/^Total 4 \| Running 0 \| Waiting 0 \| Done 0 \| Failed 0 \| Stale 0 \| Timed out 0 \| Integrated 0 \| Pending 4$/m);
    expect(text.stdout).toMatch(/^ {2}\[ \] review-auth\s+pending \(reviews auth\)$/m);
    expect(text.stdout).toMatch(/^Polled \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    const { code, data } = repo.json<StatusJson>(['status']);
    expect(code).toBe(0);
    expect(data).toMatchObject({ schema: 1, ok: true, name: 'client-portal', base: 'main' });
    expect(Object.keys(data.counts).sort()).toEqual(['done', 'failed', 'integrated', 'missing', 'pending', 'running', 'stale', 'timed_out', 'total', 'waiting']);
    for (const p of data.phases) for (const f of FIELDS) expect(p, f).toHaveProperty(f);
    expect(phaseOf(data, 'auth')).toMatchObject({ state: 'pending', needs: ['schema'], branch: 'parallel/auth', commits: 0 });
  });

  it('counts commits from the branch itself, at once', () => {
    apiStart(repo, schema, 'schema');
    expect(repo.parallel(['heartbeat', '-p', '60', '-m', 'adding tables'], { cwd: schema }).code).toBe(0);
    repo.commit({ 'src/db/a.sql': 'a\n', 'src/db/b.sql': 'b\n' }, 'a', schema);
    repo.commit({ 'src/db/a.sql': 'a2\n' }, 'a2', schema);
    const p = phaseOf(repo.json<StatusJson>(['status']).data, 'schema');
    expect(p).toMatchObject({ state: 'running', commits: 2, files_changed: 2, worktree: schema });
    expect(repo.parallel(['status']).stdout).toMatch(/^ {2}\[~\] schema\s+\[############--------\]\s+60%\s+adding tables \((just now|\d+s ago)\)\s+2 commits$/m);
  });

  it('applies the precedence missing > timed_out > stale > running', () => {
    apiStart(repo, dashboard, 'dashboard');
    expect(repo.parallel(['heartbeat', '-p', '30', '-m', 'widgets'], { cwd: dashboard }).code).toBe(0);
    const at = (args: string[]) => phaseOf(repo.json<StatusJson>(['status', ...args]).data, 'dashboard').state;
    expect(at([])).toBe('running');
    expect(at(['--heartbeat-timeout', '1ms'])).toBe('stale');
    expect(at(['--heartbeat-timeout', '1ms', '--session-timeout', '1ms'])).toBe('timed_out');
    const stale = repo.parallel(['status', '--heartbeat-timeout', '1ms']).stdout;
    expect(stale).toMatch(/\[!\] dashboard .*STALE: no heartbeat for/);
    expect(stale).toMatch(/Stale 2/);
    const bad = repo.parallel(['status', '--heartbeat-timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a duration/);
  });

  it('--wait exits 3 at its timeout while phases run', () => {
    const r = repo.parallel(['status', '--wait', '--timeout', '300ms', '--interval', '100ms']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/timed out after .* waiting for schema \(running\), dashboard \(running\)/);
    expect(r.stderr).toMatch(/parallel: waiting for schema 60%, dashboard 30%/);
    const j = repo.json<StatusJson>(['status', '--wait', '--timeout', '100ms', '--interval', '50ms']);
    expect(j.code).toBe(3);
    expect(j.data).toMatchObject({ ok: false, timed_out: true });
  });

  it('--wait stopped by Ctrl-C exits 130 with a note, not 3; the API\'s wait shares the loop', async () => {
    const { code, out, err } = await interruptWhen(repo, ['--wait', '--interval', '100ms'], (_out, e) => e.includes('parallel: waiting for'));
    expect(code).toBe(130);
    expect(err).toContain('parallel: interrupted while waiting for schema (running), dashboard (running); nothing was decided.');
    expect(out).toMatch(/^Parallel: client-portal/m);
    expect(out).not.toContain('timed out');
    const help = repo.parallel(['status', '--help']);
    expect(help.stdout).toMatch(/--wait .*Ctrl-C: 130/);
    const script = `import('${join(ROOT, 'dist/api.js')}').then(async (m) => {
      const mon = new m.SessionMonitor();
      const timedOut = await mon.wait({ timeout: 150, interval: 50 });
      const ac = new AbortController(); setTimeout(() => ac.abort(), 150);
      const stopped = await mon.wait({ interval: 50, signal: ac.signal });
      console.log(timedOut.outcome, stopped.outcome);
    })`;
    const api = spawnSync(process.execPath, ['-e', script], { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
    expect(api.stdout.trim(), api.stderr).toBe('timed_out interrupted');
  });

  it('--watch appends on a pipe and Ctrl-C exits 0', async () => {
    const { code, out } = await interruptWhen(repo, ['--watch', '--interval', '100ms'], (o) => (o.match(/^Polled /gm) ?? []).length >= 2);
    expect(code).toBe(0);
    expect(out).not.toContain('\u001b[');
    expect((out.match(/^Parallel: client-portal/gm) ?? []).length).toBeGreaterThanOrEqual(2);
  });

  it('--watch --json prints one JSON object per poll and nothing after Ctrl-C', async () => {
    const { code, out } = await interruptWhen(repo, ['--watch', '--json', '--interval', '100ms'], (o) => o.split('\n').filter(Boolean).length >= 2);
    expect(code).toBe(0);
    const lines = out.split('\n').filter(Boolean);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ schema: 1, ok: true, counts: expect.any(Object) });
  });

  it('a worktree deleted by hand is missing, above every other state', () => {
    rmSync(dashboard, { recursive: true, force: true });
    const data = repo.json<StatusJson>(['status', '--heartbeat-timeout', '1ms', '--session-timeout', '1ms']).data;
    expect(phaseOf(data, 'dashboard').state).toBe('missing');
    expect(data.counts.missing).toBe(1);
    expect(sumStates(data.counts)).toBe(data.counts.total);
    expect(repo.parallel(['status']).stdout).toMatch(/Missing 1/);
  });

  it('--wait exits 1 when a phase failed; a done phase becomes integrated from refs', () => {
    expect(repo.parallel(['fail', '--phase', 'dashboard', '-m', 'API timeout']).code).toBe(0);
    expect(repo.parallel(['done', '-m', 'tables'], { cwd: schema }).code).toBe(0);
    const failed = repo.parallel(['status', '--wait', '--timeout', '5s', '--interval', '50ms']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/finished with problems: dashboard \(failed\)/);
    // A new start reopens; here we finish it instead, then integrate schema by a plain merge.
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge schema', 'parallel/schema']);
    const data = repo.json<StatusJson>(['status']).data;
    expect(phaseOf(data, 'schema').state).toBe('integrated');
    expect(data.counts).toMatchObject({ total: 4, integrated: 1, failed: 1, pending: 2 });
    expect(sumStates(data.counts)).toBe(4);
  });
});

describe('status --wait with nothing started', () => {
  it('returns 0 at once', () => {
    const repo = planRepo(SPEC_PLAN);
    try {
      const r = repo.parallel(['status', '--wait', '--timeout', '1s']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/no phase is running; none failed/);
    } finally {
      repo.cleanup();
    }
  });
});
