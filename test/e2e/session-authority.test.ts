/**
 * Who may report for whom (SPEC, "Who may do what"): inside a phase worktree the session
 * commands act for that phase only; from the main worktree (the coordinator) or a script any
 * phase may be named; a verdict comes from the reviewer's worktree or the coordinator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { planRepo, addPhase, phaseOf, ROOT, type StatusJson, type TestRepo } from './store-fixture.js';

const PLAN = `version: 1
name: client-portal
base: main
phases:
  - id: a
    task: A
    owns: [src/a/]
  - id: b
    task: B
    owns: [src/b/]
  - id: rev
    reviews: a
`;

describe('session commands speak only for their own phase', () => {
  let repo: TestRepo;
  let a: string;
  let b: string;
  let rev: string;
  beforeAll(() => {
    repo = planRepo(PLAN);
    a = addPhase(repo, 'a');
    b = addPhase(repo, 'b');
    rev = addPhase(repo, 'rev', { reviewer: true });
    repo.commit({ 'src/a/x.ts': 'x\n' }, 'a work', a);
    expect(repo.parallel(['done', '-m', 'a finished'], { cwd: a }).code).toBe(0);
  });
  afterAll(() => repo.cleanup());

  it('refuses "fail --phase a" in b\'s worktree, naming the rule; a stays done', () => {
    const r = repo.parallel(['fail', '--phase', 'a', '-m', 'sabotage'], { cwd: b });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^parallel: this is the worktree of phase b, and "fail --phase a" would act for another phase\. Inside a phase worktree, "fail" acts for that phase only/);
    expect(r.stderr).toContain(`cd '${repo.dir}' && parallel fail --phase a`);
    expect(phaseOf(repo.json<StatusJson>(['status']).data, 'a').state).toBe('done');
  });

  it('refuses a verdict on its own work from the reviewed phase\'s worktree', () => {
    const r = repo.parallel(['review', 'approve', '--phase', 'rev', '-m', 'lgtm'], { cwd: a });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a verdict comes from the reviewer phase's own worktree or from the coordinator/);
    expect(phaseOf(repo.json<StatusJson>(['status']).data, 'rev').review).toBeNull();
  });

  it('refuses heartbeat, scratch and env for another phase from inside a phase worktree', () => {
    for (const args of [['heartbeat', '--phase', 'a'], ['scratch', '--phase', 'a'], ['env', '--phase', 'a']]) {
      const r = repo.parallel(args, { cwd: b });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/acts for that phase only/);
    }
    // Naming its own phase is fine.
    expect(repo.parallel(['heartbeat', '--phase', 'b', '-m', 'mine'], { cwd: b }).code).toBe(0);
  });

  it('lets the reviewer\'s own worktree and the coordinator give verdicts', () => {
    const own = repo.parallel(['review', 'reject', '-m', 'needs tests'], { cwd: rev });
    expect(own.code, own.stderr).toBe(0);
    const coord = repo.parallel(['review', 'approve', '--phase', 'rev', '-m', 'ok now']);
    expect(coord.code, coord.stderr).toBe(0);
    expect(phaseOf(repo.json<StatusJson>(['status']).data, 'rev').review).toMatchObject({ verdict: 'approve' });
  });

  it('lets a script outside the worktrees (the API) name any phase', () => {
    const script = `import('${join(ROOT, 'dist/api.js')}').then(async (m) => { const t = new m.SessionTracker({ phase: 'b', cwd: ${JSON.stringify(repo.dir)} }); await t.heartbeat({ message: 'from a script' }); })`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: repo.root, env: repo.env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(phaseOf(repo.json<StatusJson>(['status']).data, 'b').message).toBe('from a script');
    const coord = repo.parallel(['fail', '--phase', 'b', '-m', 'coordinator stops it']);
    expect(coord.code, coord.stderr).toBe(0);
  });

  it('refuses the API in a phase worktree naming another phase, with a fix in the API\'s own terms', () => {
    const script = `import('${join(ROOT, 'dist/api.js')}').then((m) => { try { new m.SessionTracker({ phase: 'a' }); } catch (e) { console.log(e.message); } })`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: b, env: repo.env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^parallel: this is the worktree of phase b, and new SessionTracker\(\{ phase: 'a' \}\) would act for another phase\./);
    expect(r.stdout).toContain(`new SessionTracker({ phase: 'a', cwd: ${JSON.stringify(repo.dir)} })`);
    expect(r.stdout).not.toMatch(/parallel SessionTracker/);
  });
});
