/**
 * `parallel doctor`: each problem with the exact command that fixes it, exit 1 while any remains.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, unlinkSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { hookRepo, removeRepo, type HookRepo } from './hooks-fixture.js';

interface DoctorJson { ok: boolean; checks: { name: string; ok: boolean }[]; problems: { check: string; message: string; fix: string }[] }

let h: HookRepo;

beforeAll(() => {
  h = hookRepo(['auth', 'ui']);
});
afterAll(() => removeRepo(h.repo));

describe('parallel doctor', () => {
  it('is quiet on a healthy repository', () => {
    const r = h.repo.json<DoctorJson>(['doctor']);
    expect(r.code).toBe(0);
    expect(r.data.ok).toBe(true);
    expect(r.data.checks.map((c) => c.name)).toEqual(['git', 'base', 'hooks', 'worktrees', 'locks', 'coordination', 'trust', 'agents']);
    expect(h.repo.parallel(['doctor']).stdout).toContain('No problems found.');
  });

  it('reports hooks no longer reached in a phase worktree, and parallel init fixes it', () => {
    const gitDir = h.repo.git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: h.wt('auth') }).stdout.trim();
    h.repo.git(['config', '--file', join(gitDir, 'config.worktree'), '--unset', 'core.hooksPath']);
    const r = h.repo.json<DoctorJson>(['doctor']);
    expect(r.code).toBe(1);
    expect(r.data.problems).toEqual([expect.objectContaining({ check: 'hooks', fix: 'parallel init' })]);
    expect(r.data.problems[0]!.message).toContain('commits in phase auth');
    expect(h.repo.parallel(['init']).code).toBe(0);
    expect(h.repo.parallel(['doctor']).code).toBe(0);
  });

  it('reports a missing base, a deleted worktree, stale locks, each with its fix', () => {
    h.repo.git(['config', '--unset', 'parallel.base']);
    rmSync(h.wt('ui'), { recursive: true, force: true });
    const lockDir = join(h.repo.dir, '.git/parallel/integrate');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, 'lock'), JSON.stringify({ pid: 999999, host: hostname(), nonce: 'x', since: '2020-01-01T00:00:00Z', command: 'integrate' }));
    const indexLock = join(h.repo.dir, '.git/index.lock');
    writeFileSync(indexLock, '');
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(indexLock, old, old);
    const r = h.repo.parallel(['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('fix: parallel init');
    expect(r.stdout).toContain('the worktree of phase ui');
    expect(r.stdout).toContain('fix: parallel prune');
    expect(r.stdout).toContain("integrate's lock is left from a run that is gone (pid 999999");
    expect(r.stdout).toContain('fix: parallel integrate --continue');
    expect(r.stdout).toContain(`fix: rm ${JSON.stringify(indexLock)}`);
    expect(r.stdout).toMatch(/parallel: 4 problems found/);
    unlinkSync(indexLock);
    unlinkSync(join(lockDir, 'lock'));
  });
});
