/**
 * A session renames or deletes its own branch from its phase worktree (`git branch -m
 * parallel/<id> other`, or `git checkout -b x && git branch -D parallel/<id>`, or a detached
 * HEAD and `git branch -D`). The work is still in the worktree, but nothing names it as the
 * phase's any more: verify names the phase and where its worktree's HEAD is now (exit 1),
 * status shows it `missing` with the command that recreates the branch, doctor reports it, and
 * integrate says why it leaves a done phase out (exit 1) instead of skipping it in silence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fixture, letterPhases, planYaml } from './integrate-fixture.js';

interface StatusJson {
  counts: Record<string, number>;
  phases: { id: string; state: string; missing: { reason: string; head: string | null; head_branch: string | null; fix: string } | null }[];
}

describe('a phase whose branch was renamed or deleted from its worktree', () => {
  let f: Fixture;
  const heads: Record<string, string> = {};
  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'gone', test: 'true', phases: letterPhases(4) }));
    f.start('alpha', 'beta', 'gamma', 'delta');
    heads.alpha = f.work('alpha', { 'alpha/a': 'a\n' });
    heads.beta = f.work('beta', { 'beta/b': 'b\n' });
    f.done('beta');
    heads.gamma = f.work('gamma', { 'gamma/c': 'c\n' });
    f.work('delta', { 'delta/d': 'd\n' });
    // alpha renames its branch; beta moves to a new branch and deletes its own; gamma detaches and deletes.
    f.repo.git(['branch', '-m', 'parallel/alpha', 'other'], { cwd: f.worktree('alpha') });
    f.repo.git(['checkout', '-q', '-b', 'x'], { cwd: f.worktree('beta') });
    f.repo.git(['branch', '-D', 'parallel/beta'], { cwd: f.worktree('beta') });
    f.repo.git(['switch', '-q', '--detach'], { cwd: f.worktree('gamma') });
    f.repo.git(['branch', '-D', 'parallel/gamma'], { cwd: f.worktree('gamma') });
    expect(f.rev('refs/heads/parallel/alpha')).toBeNull();
  });
  afterAll(() => f.cleanup());

  it('verify names each phase whose branch is missing and where its worktree is now (exit 1)', () => {
    const r = f.repo.parallel(['verify']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(`alpha: its branch parallel/alpha is missing; its worktree ${f.worktree('alpha')} is on branch other at ${heads.alpha!.slice(0, 12)}`);
    expect(r.stdout).toContain(`beta: its branch parallel/beta is missing; its worktree ${f.worktree('beta')} is on branch x at ${heads.beta!.slice(0, 12)}`);
    expect(r.stdout).toContain(`gamma: its branch parallel/gamma is missing; its worktree ${f.worktree('gamma')} is on a detached HEAD at ${heads.gamma!.slice(0, 12)}`);
    expect(r.stdout).toContain(`git branch parallel/alpha ${heads.alpha}`);
    expect(r.stdout).toContain('delta: ok (1 commit checked)');
    expect(r.stdout).toContain('parallel: the branches of alpha, beta, gamma are missing');
    const one = f.repo.json<{ ok: boolean; missing: { phase: string; head: string | null }[] }>(['verify', 'gamma']);
    expect(one.code).toBe(1);
    expect(one.data.ok).toBe(false);
    expect(one.data.missing).toEqual([expect.objectContaining({ phase: 'gamma', head: heads.gamma })]);
    expect(f.repo.parallel(['verify', 'delta']).code).toBe(0);
  });

  it('status shows them missing, with the command that recreates the branch', () => {
    const r = f.repo.json<StatusJson>(['status']);
    expect(r.code).toBe(0);
    const byId = Object.fromEntries(r.data.phases.map((p) => [p.id, p]));
    expect(byId.alpha).toMatchObject({ state: 'missing', missing: { reason: 'branch', head: heads.alpha, head_branch: 'other' } });
    expect(byId.beta).toMatchObject({ state: 'missing', missing: { reason: 'branch', head: heads.beta, head_branch: 'x' } });
    expect(byId.gamma).toMatchObject({ state: 'missing', missing: { reason: 'branch', head: heads.gamma, head_branch: null } });
    expect(byId.delta).toMatchObject({ state: 'running', missing: null });
    expect(r.data.counts.missing).toBe(3);
    const text = f.repo.parallel(['status']).stdout;
    expect(text).toMatch(/\[M\] alpha .*MISSING: branch deleted or renamed/);
    expect(text).toContain(`fix: git branch parallel/alpha ${heads.alpha}`);
  });

  it('doctor reports each with the fix (exit 1)', () => {
    const r = f.repo.parallel(['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`phase beta: its branch parallel/beta is missing; its worktree ${f.worktree('beta')} is on branch x at ${heads.beta!.slice(0, 7)} (the branch was renamed or deleted there`);
    expect(r.stdout).toContain(`fix: git branch parallel/beta ${heads.beta}   (then, in ${f.worktree('beta')}: git switch parallel/beta)`);
  });

  it('integrate leaves the done phase out and says why (exit 1), and merges nothing it cannot name', () => {
    const dry = f.repo.parallel(['integrate', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('beta (its branch parallel/beta is missing');
    const r = f.integrate();
    expect(r.code, r.stderr).toBe(1);
    const beta = r.data.skipped.find((s) => s.id === 'beta');
    expect(beta?.reason).toBe('not_done');
    expect(beta?.detail).toContain('its branch parallel/beta is missing');
    expect(beta?.detail).toContain(`git branch parallel/beta ${heads.beta}`);
    expect(r.data.integrated).toEqual([]);
  });

  it('recreating the branch as told puts the phase back', () => {
    f.repo.git(['branch', 'parallel/beta', heads.beta!]);
    f.repo.git(['switch', '-q', 'parallel/beta'], { cwd: f.worktree('beta') });
    const s = f.repo.json<StatusJson>(['status']);
    expect(s.data.phases.find((p) => p.id === 'beta')).toMatchObject({ state: 'done', missing: null });
    const r = f.integrate();
    expect(r.data.integrated).toEqual(['beta']);
    expect(f.repo.parallel(['verify', 'beta']).code).toBe(0);
  });
});

describe('a started phase with no branch and no worktree any more', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'gone2', test: 'true', phases: letterPhases(2) }));
    f.start('alpha');
  });
  afterAll(() => f.cleanup());

  it('is missing, and verify says to find its commit in the reflog', () => {
    const wt = f.worktree('alpha');
    f.repo.git(['switch', '-q', '--detach'], { cwd: wt });
    f.repo.git(['branch', '-D', 'parallel/alpha'], { cwd: wt });
    f.repo.git(['worktree', 'remove', '--force', wt]);
    const v = f.repo.parallel(['verify']);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('alpha: its branch parallel/alpha is missing, and so is its worktree');
    const s = f.repo.json<StatusJson>(['status']);
    expect(s.data.phases.find((p) => p.id === 'alpha')).toMatchObject({ state: 'missing', missing: { reason: 'branch', head: null } });
  });
});

