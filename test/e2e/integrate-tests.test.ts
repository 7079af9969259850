/**
 * `parallel integrate` and the plan's `test`: base red (nothing merges, nobody blamed), a flaky
 * test passing on retry, a test that goes red only with one phase (bisected, named, the others
 * integrate), and `--each`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fixture, letterPhases, planYaml, skippedOf } from './integrate-fixture.js';

function plan(test: string, retries = 0): string {
  return planYaml({ name: 'tests', test, retries, phases: letterPhases(3) });
}

/** Each test run appends a line to runs.log (outside the repository); red while BROKEN exists. */
const COUNTING = 'echo run >> $ROOT/runs.log; test ! -e beta/BROKEN && test ! -e BROKEN';

function runs(f: Fixture): number {
  try {
    return readFileSync(join(f.root, 'runs.log'), 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

let f: Fixture | undefined;
afterEach(() => {
  f?.cleanup();
  f = undefined;
});

describe('integrate with tests', () => {
  it('finds the phase that turns the tests red, names it, and integrates the others', () => {
    f = new Fixture(plan(COUNTING));
    f.finish({ alpha: { 'alpha/a': 'a\n' }, beta: { 'beta/BROKEN': 'x\n', 'beta/b': 'b\n' }, gamma: { 'gamma/c': 'c\n' } });
    const r = f.integrate();
    expect(r.code).toBe(1);
    expect(r.data.integrated).toEqual(['alpha', 'gamma']);
    expect(skippedOf(r.data)).toEqual({ beta: 'red' });
    expect(r.data.skipped[0]!.detail).toMatch(/the tests fail once it is merged \(log: .*\.log\)/);
    expect(r.data.tests).toMatchObject({ passed: true });
    expect(r.stderr).toContain('bisecting 3 merges');
    // all three red, base green, alpha green, alpha+beta red, then alpha+gamma green
    expect(runs(f)).toBe(5);
    expect(f.show('parallel/integration', 'beta/BROKEN')).toBeNull();
    expect(f.show('parallel/integration', 'gamma/c')).toBe('c\n');
    expect(f.subjects('parallel/integration').slice(0, 2)).toEqual(['parallel: integrate gamma (gamma)', 'parallel: integrate alpha (alpha)']);
    // The red phase's commits are untouched; fixing it makes it integrate.
    f.repo.git(['rm', '-q', 'beta/BROKEN'], { cwd: f.worktree('beta') });
    f.repo.git(['commit', '-q', '-m', 'fix'], { cwd: f.worktree('beta') });
    const again = f.integrate();
    expect(again.code, JSON.stringify(again.data) + again.stderr).toBe(0);
    expect(again.data.integrated).toEqual(['beta']);
  });

  it('merges nothing and blames nobody when base itself is red', () => {
    f = new Fixture(plan(COUNTING), { BROKEN: 'base is broken\n' });
    f.finish({ alpha: { 'alpha/a': 'a\n' }, gamma: { 'gamma/c': 'c\n' } });
    const base = f.rev('main');
    const r = f.integrate();
    expect(r.code).toBe(1);
    expect(r.data.base_red).toBe(true);
    expect(r.data.integrated).toEqual([]);
    expect(skippedOf(r.data)).toEqual({ alpha: 'red', beta: 'not_done', gamma: 'red' });
    expect(r.data.skipped.find((s) => s.id === 'alpha')!.detail).toMatch(/main itself.*no phase is to blame/);
    const head = f.rev('parallel/integration');
    expect(head === null || head === base).toBe(true);
    const log = f.repo.json<{ events: { type: string; phase: string; result?: string; reason?: string; base_red?: boolean; job?: string }[] }>(['log']);
    const events = log.data.events.filter((e) => e.type === 'integrate' && e.phase).map((e) => `${e.phase}:${e.result}:${e.reason}`);
    expect(events.sort()).toEqual(['alpha:skipped:red', 'gamma:skipped:red']);
    // The run itself is recorded too (the coordinator's event), so a report can draw it later.
    const runs = log.data.events.filter((e) => e.type === 'integrate' && e.phase === '');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ base_red: true, integrated: [], skipped: r.data.skipped });
    const text = f.repo.parallel(['integrate']);
    expect(text.stdout).toContain('Nothing was integrated: the tests fail before any merge (main is red).');
  });

  it('passes a flaky test on retry', () => {
    f = new Fixture(plan('test -e $ROOT/passed-once || { touch $ROOT/passed-once; exit 1; }', 1));
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const r = f.integrate();
    expect(r.code, r.stderr).toBe(0);
    expect(r.data.integrated).toEqual(['alpha']);
    expect(r.stderr).toContain('(retry 1 of 1)');
    expect(r.stderr).toMatch(/tests passed \(.*on retry 1\)/);
    expect(f.repo.git(['notes', '--ref=refs/notes/parallel', 'show', 'parallel/integration']).stdout).toContain('(attempt 2)');
  });

  it('--each tests after every merge and drops the merge that turns it red', () => {
    f = new Fixture(plan(COUNTING));
    f.finish({ alpha: { 'alpha/a': 'a\n' }, beta: { 'beta/BROKEN': 'x\n' }, gamma: { 'gamma/c': 'c\n' } });
    const r = f.integrate(['--each']);
    expect(r.code).toBe(1);
    expect(r.data.integrated).toEqual(['alpha', 'gamma']);
    expect(skippedOf(r.data)).toEqual({ beta: 'red' });
    // alpha, alpha+beta (red), base alone, alpha+gamma
    expect(runs(f)).toBe(4);
    expect(r.stderr).toMatch(/testing after merging alpha/);
  });

  it('brings the integration branch up to base first: a tested merge when they diverged, a fast-forward when it is behind', () => {
    f = new Fixture(plan(COUNTING));
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    expect(f.integrate().code).toBe(0);
    f.repo.commit({ 'docs/late.md': 'late base work\n' }, 'base moves on');
    f.finish({ beta: { 'beta/b': 'b\n' } });
    const before = runs(f);
    const r = f.integrate();
    expect(r.code, r.stderr).toBe(0);
    expect(r.data.integrated).toEqual(['beta']);
    expect(r.stderr).toContain('merged main into parallel/integration (they had diverged)');
    expect(f.subjects('parallel/integration').slice(0, 2)).toEqual(['parallel: integrate beta (beta)', 'parallel: integrate main into parallel/integration']);
    expect(f.show('parallel/integration', 'docs/late.md')).toBe('late base work\n');
    expect(runs(f) - before).toBe(2); // the base merge, then the result
    // Land, then base moves again: the next run fast-forwards before merging.
    expect(f.integrate(['--land']).data.landed).toBe(true);
    const main = f.repo.commit({ 'docs/later.md': 'later\n' }, 'base moves again');
    const ff = f.integrate();
    expect(ff.code).toBe(0);
    expect(f.rev('parallel/integration')).toBe(main);
  });

  it('applies copy and runs setup in the scratch worktree before testing, with GIT_* cleared', () => {
    const withSetup = plan('test -f .env && test -f built && test -z "$GIT_DIR$GIT_INDEX_FILE" && test "$(git rev-parse --show-toplevel)" = "$PWD"')
      .replace('phases:', 'setup: ["echo setup >> $ROOT/setup.log; touch built"]\ncopy: [.env]\nphases:');
    f = new Fixture(withSetup);
    writeFileSync(join(f.repo.dir, '.env'), 'SECRET=1\n');
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const r = f.integrate([], { GIT_DIR: join(f.repo.dir, '.git'), GIT_INDEX_FILE: join(f.repo.dir, '.git/index') });
    expect(r.code, `${r.stderr}\n${r.data.tests ? readFileSync(r.data.tests.log, 'utf8') : ''}`).toBe(0);
    expect(r.data.tests?.passed).toBe(true);
    expect(r.stderr).toContain('setup: echo setup');
    expect(readFileSync(join(f.root, 'setup.log'), 'utf8')).toContain('setup');
    expect(r.data.tests!.log.startsWith(join(f.repo.dir, '.git/parallel/integrate/logs/'))).toBe(true);
  });

  it('stops a test that outlives timeouts.test (its whole process group) and counts it as red', () => {
    const slow = plan('if test -e alpha/SLOW; then sleep 30 & wait; fi').replace('phases:', 'timeouts: { test: 1s }\nphases:');
    f = new Fixture(slow);
    f.finish({ alpha: { 'alpha/SLOW': 'x\n' }, gamma: { 'gamma/c': 'c\n' } });
    const t = Date.now();
    const r = f.integrate();
    expect(Date.now() - t).toBeLessThan(20_000);
    expect(r.code).toBe(1);
    expect(r.data.integrated).toEqual(['gamma']);
    expect(skippedOf(r.data)).toEqual({ alpha: 'red', beta: 'not_done' });
    expect(r.stderr).toMatch(/tests failed \(timed out after/);
    expect(readFileSync(r.data.skipped.find((s) => s.id === 'alpha')!.detail.match(/log: (\S+\.log)/)![1]!, 'utf8')).toContain('timed out');
  });
});
