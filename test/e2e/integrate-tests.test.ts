/**
 * `parallel integrate` and the plan's `test`: base red (nothing merges, nobody blamed), a flaky
 * test passing on retry, a test that goes red only with one phase (bisected, named, the others
 * integrate), and `--each`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fixture, skippedOf } from './integrate-fixture.js';

function plan(test: string, retries = 0): string {
  return `version: 1
name: tests
base: main
test: '${test}'
test_retries: ${retries}
phases:
  - id: alpha
    task: a
    owns: [alpha/]
  - id: beta
    task: b
    owns: [beta/]
  - id: gamma
    task: c
    owns: [gamma/]
`;
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
});
