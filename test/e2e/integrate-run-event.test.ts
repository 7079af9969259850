/**
 * Every integrate run records itself in the coordination ref (the coordinator's `integrate`
 * event, with integrate --json's fields), so `parallel report` can draw it later and in any
 * clone; a run killed after recording and resumed does not record itself twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, planYaml, letterPhases } from './integrate-fixture.js';

type Ev = { type: string; phase: string; job?: string; [k: string]: unknown };
const runsOf = (f: Fixture) => f.repo.json<{ events: Ev[] }>(['log']).data.events.filter((e) => e.type === 'integrate' && e.phase === '');

describe('the integrate run event', () => {
  let f: Fixture;
  afterEach(() => f?.cleanup());

  it('carries what integrate --json reported: merged, skipped with reason and detail, tests, head, durations', () => {
    f = new Fixture(planYaml({ name: 'runs', test: 'true', shared: ['shared.txt'], phases: letterPhases(3) }), { 'shared.txt': 'base\n' });
    f.start('alpha', 'beta', 'gamma');
    f.work('alpha', { 'alpha/a': 'a\n', 'shared.txt': 'alpha\n' });
    f.done('alpha');
    f.work('beta', { 'beta/b': 'b\n', 'shared.txt': 'beta\n' });
    f.done('beta');
    const r = f.integrate();
    expect(r.code).toBe(1);
    const runs = runsOf(f);
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run).toMatchObject({ session: 'coordinator', integrated: r.data.integrated, skipped: r.data.skipped, tests: r.data.tests, head: r.data.head, test: 'true', base_red: false });
    expect(r.data.skipped.map((s) => `${s.id}:${s.reason}`).sort()).toEqual(['beta:conflict', 'gamma:not_done']);
    expect(run.merges).toEqual([{ id: 'alpha', seconds: expect.any(Number) }]);
    expect(typeof run.started_at).toBe('string');
    expect(run.message).toBe('integrate run: integrated alpha; skipped beta (conflict)');
  });

  it('is written by a run that merged nothing, once, also when the run is killed after writing it', () => {
    f = new Fixture(planYaml({ name: 'runs', phases: letterPhases(1) }));
    const listed = f.repo.parallel(['integrate'], { env: { PARALLEL_TEST_KILL_AT: 'list' } });
    expect(listed.code).toBe(0);
    expect(runsOf(f)).toHaveLength(1);
    const n = listed.stderr.split('\n').find((l) => l.endsWith(': recorded'))!.match(/fault point (\d+)/)![1]!;
    const killed = f.repo.parallel(['integrate'], { env: { PARALLEL_TEST_KILL_AT: n } });
    expect(killed.code).not.toBe(0);
    expect(runsOf(f)).toHaveLength(2);
    const resumed = f.repo.parallel(['integrate']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming the interrupted integrate/);
    const runs = runsOf(f);
    expect(runs).toHaveLength(2);
    expect(new Set(runs.map((e) => e.job)).size).toBe(2);
    expect(runs[1]).toMatchObject({ integrated: [], skipped: [{ id: 'alpha', reason: 'not_done' }] });
  });
});
