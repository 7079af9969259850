/**
 * `parallel update`: merges the integration branch (or base before the first integrate) into a
 * phase, in its worktree, with a normal git merge; refuses what a careful git user would not do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fixture } from './integrate-fixture.js';

const PLAN = `version: 1
name: updates
base: main
phases:
  - id: schema
    task: s
    owns: [db/]
  - id: auth
    task: a
    needs: [schema]
    owns: [auth/]
  - id: solo
    task: o
    owns: [solo/]
  - id: review-solo
    reviews: solo
`;

describe('parallel update', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(PLAN);
  });
  afterAll(() => f.cleanup());

  it('needs a phase: outside a phase worktree it says how to name one', () => {
    const r = f.repo.parallel(['update']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--phase');
    const none = f.repo.parallel(['update', '--phase', 'solo']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('parallel start solo');
  });

  it('merges base before the first integrate, and says when there is nothing to do', () => {
    f.start('solo');
    const wt = f.worktree('solo');
    expect(f.repo.parallel(['update'], { cwd: wt }).stdout).toContain('nothing to update');
    f.repo.commit({ 'docs/guide.md': 'guide\n' }, 'coordinator docs');
    f.work('solo', { 'solo/x': 'x\n' });
    const r = f.repo.parallel(['update'], { cwd: wt });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Merged main');
    expect(readFileSync(join(wt, 'docs/guide.md'), 'utf8')).toBe('guide\n');
    expect(f.repo.git(['rev-list', '--parents', '-n1', 'HEAD'], { cwd: wt }).stdout.trim().split(' ')).toHaveLength(3); // a merge commit
  });

  it('refuses a worktree with uncommitted changes and merges nothing', () => {
    const wt = f.worktree('solo');
    f.repo.commit({ 'docs/more.md': 'more\n' }, 'more docs');
    writeFileSync(join(wt, 'solo/x'), 'edited\n');
    const head = f.repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout;
    const r = f.repo.parallel(['update', '--phase', 'solo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('uncommitted changes (solo/x)');
    expect(f.repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout).toBe(head);
    expect(existsSync(join(wt, 'docs/more.md'))).toBe(false);
    f.repo.git(['checkout', '--', 'solo/x'], { cwd: wt });
  });

  it('picks up a need\'s latest integrated work from the integration branch', () => {
    f.finish({ schema: { 'db/users.sql': 'users\n' } });
    expect(f.integrate().code).toBe(0);
    f.start('auth');
    f.work('schema', { 'db/roles.sql': 'roles\n' }); // more schema work after its first integration
    expect(f.integrate().data.integrated).toEqual(['schema']);
    const wt = f.worktree('auth');
    expect(existsSync(join(wt, 'db/roles.sql'))).toBe(false);
    const r = f.repo.parallel(['update', '--phase', 'auth']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Merged parallel/integration');
    expect(readFileSync(join(wt, 'db/roles.sql'), 'utf8')).toBe('roles\n');
  });

  it('refuses in a reviewer phase', () => {
    f.done('solo');
    f.start('review-solo');
    const r = f.repo.parallel(['update'], { cwd: f.worktree('review-solo') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('reviewer phase');
  });
});
