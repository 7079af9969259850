/**
 * The merge queue on several CI runners at once. Two runners race (started together, fresh
 * clones, each round a new phase done on a session clone): on the host, base and the integration
 * branch only ever point at tested merges, base never ahead; one runner wins each round, the
 * other says the remote moved and changed nothing there (or, started late, finds nothing to do);
 * no phase commit and no event is lost; a re-run converges. Then SIGKILL at random points of
 * `--push`: the host is never left with base ahead of the integration branch or at an untested
 * commit, and the next run lands the work.
 * PARALLEL_RACE_ROUNDS (default 4) and PARALLEL_PUSH_KILLS (default 6) raise the counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Host, phasePlan, spawnParallel, type PushJson } from './integrate-host-fixture.js';

const ROUNDS = Number(process.env.PARALLEL_RACE_ROUNDS) || 4;
const KILLS = Number(process.env.PARALLEL_PUSH_KILLS) || 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);

function eventIds(h: Host, cwd: string): string[] {
  return h.repo.json<{ events: { id: string }[] }>(['log'], { cwd }).data.events.map((e) => e.id);
}

describe('two runners race to push the merge queue', () => {
  const phases = ids(ROUNDS, 'r');
  let h: Host;
  let plan: string;
  let laptop: string;
  beforeAll(() => {
    // The tests take a moment, so both runners are usually inside their run at the same time.
    h = new Host(phasePlan('race', phases, 'sleep 0.3'));
    plan = h.git(['rev-parse', 'HEAD']);
    laptop = h.sessionClone('laptop');
  });
  afterAll(() => h.cleanup());

  it(`${ROUNDS} rounds: one winner each, the other refused or late, host only at tested merges, nothing lost`, async () => {
    const tally = { rounds: 0, wins: 0, refusals: 0, late: 0, reruns: 0 };
    const tips = new Map<string, string>();
    const seen = new Set<string>();
    for (const [round, phase] of phases.entries()) {
      tips.set(phase, h.finishOn(laptop, phase, { [`${phase}/work.txt`]: `${phase}\n` }));
      for (const id of eventIds(h, laptop)) seen.add(id);
      const before = { main: h.hostRev('refs/heads/main'), integration: h.hostRev('refs/heads/parallel/integration') };
      const dirs = ['a', 'b'].map((r) => h.runnerClone(`race-${round}-${r}`, { identity: `runner-${r}` }));
      const runs = dirs.map((d) => spawnParallel(h, d, ['integrate', '--push', '--land', '--json']));
      const outs = await Promise.all(runs.map((r) => r.done));
      const what = `round ${round + 1}`;
      const results = outs.map((o) => {
        const data = JSON.parse(o.stdout) as PushJson;
        return { code: o.code, result: data.push?.result, stderr: o.stderr };
      });
      for (const d of dirs) for (const id of eventIds(h, d)) seen.add(id);
      const winners = results.filter((r) => r.result === 'pushed');
      expect(winners.length, `${what}: ${JSON.stringify(results)}`).toBeLessThanOrEqual(1);
      for (const r of results) {
        if (r.result === 'pushed') expect(r.code, r.stderr).toBe(0);
        else if (r.result === 'moved') {
          expect(r.code, r.stderr).toBe(4);
          expect(r.stderr).toContain('the remote moved; nothing was pushed; run it again');
        } else expect([r.result, r.code], `${what}: ${r.stderr}`).toEqual(['none', 0]);
      }
      tally.rounds++;
      tally.wins += winners.length;
      tally.refusals += results.filter((r) => r.result === 'moved').length;
      tally.late += results.filter((r) => r.result === 'none').length;
      h.expectOnlyTested(plan, what);
      if (winners.length === 0) {
        // Both refused (each saw the other's lock on the host at once): the next run converges.
        expect(h.hostRev('refs/heads/main'), what).toBe(before.main);
        const again = h.pushJson(h.runnerClone(`race-${round}-again`, { identity: 'runner-c' }));
        expect(again.code, again.stderr).toBe(0);
        tally.reruns++;
        h.expectOnlyTested(plan, `${what}, re-run`);
      }
      // No phase commit lost: every finished phase is in base on the host.
      const main = h.hostRev('refs/heads/main')!;
      for (const [id, tip] of tips) expect(h.repo.git(['--git-dir', h.url, 'merge-base', '--is-ancestor', tip, main], { allowFail: true }).code, `${what}: ${id}`).toBe(0);
      // No event lost: everything the session and both runners recorded is on the host.
      const onHost = new Set(h.hostEventIds());
      const lost = [...seen].filter((id) => !onHost.has(id));
      expect(lost, what).toEqual([]);
    }
    expect(tally.wins + tally.reruns).toBe(ROUNDS);
    // The figures, for whoever reads the test output.
    console.log(`integrate --push race: ${tally.rounds} rounds, ${tally.wins} wins, ${tally.refusals} refusals (exit 4), ${tally.late} late runs with nothing to do, ${tally.reruns} re-runs, ${seen.size} events, none lost`);
  }, 300_000);
});

describe('integrate --push killed with SIGKILL at random points', () => {
  const phases = ids(KILLS, 'k');
  let h: Host;
  let plan: string;
  let laptop: string;
  let points = 0;
  beforeAll(() => {
    h = new Host(phasePlan('kills', phases, 'sleep 0.2'));
    plan = h.git(['rev-parse', 'HEAD']);
    laptop = h.sessionClone('laptop');
    // Count the fault points of a whole --push --land run once, on a throwaway host.
    const probe = new Host(phasePlan('probe', ['p01'], 'true'));
    try {
      probe.finishOn(probe.sessionClone('laptop'), 'p01', { 'p01/a.txt': 'a\n' });
      const dir = probe.runnerClone('probe', { identity: 'runner-p' });
      const listed = probe.p(['integrate', '--push', '--land'], dir, { ...probe.envFor(dir), PARALLEL_TEST_KILL_AT: 'list' });
      expect(listed.code, listed.stderr).toBe(0);
      points = listed.stderr.split('\n').filter((l) => l.startsWith('fault point')).length;
      expect(listed.stderr).toMatch(/push-fetched[\s\S]*push-store-pushed[\s\S]*push-branches-pushed/);
    } finally {
      probe.cleanup();
    }
  });
  afterAll(() => h.cleanup());

  it(`${KILLS} kills: the host never has base ahead of the integration branch or at an untested commit; the next run lands the work`, async () => {
    const tips = new Map<string, string>();
    for (const [run, phase] of phases.entries()) {
      tips.set(phase, h.finishOn(laptop, phase, { [`${phase}/work.txt`]: `${phase}\n` }));
      const dir = h.runnerClone(`kill-${run}`, { identity: 'runner-k' });
      const byPoint = run % 2 === 0;
      const env = byPoint ? { PARALLEL_TEST_KILL_AT: String(1 + Math.floor(Math.random() * points)) } : {};
      const p = spawnParallel(h, dir, ['integrate', '--push', '--land'], env);
      if (!byPoint) {
        await sleep(150 + Math.random() * 900);
        try {
          process.kill(-p.pid, 'SIGKILL'); // the whole group: git children (push, fetch) die mid-way too
        } catch {
          // it had finished
        }
      }
      const out = await p.done;
      const what = `kill ${run + 1} (${byPoint ? `fault point ${env.PARALLEL_TEST_KILL_AT} of ${points}` : 'timed kill'}, exit ${out.code})`;
      h.expectOnlyTested(plan, what);
      // The next run converges: in the killed clone (resuming its job) or in a fresh one.
      const next = run % 3 === 0 ? dir : h.runnerClone(`kill-${run}-next`, { identity: 'runner-k' });
      const again = h.pushJson(next);
      expect([0, 4], `${what}, re-run: ${again.stderr} ${JSON.stringify(again.data)}`).toContain(again.code);
      if (again.code === 4) expect(h.pushJson(next).code).toBe(0);
      h.expectOnlyTested(plan, `${what}, re-run`);
      const main = h.hostRev('refs/heads/main')!;
      for (const [id, tip] of tips) expect(h.repo.git(['--git-dir', h.url, 'merge-base', '--is-ancestor', tip, main], { allowFail: true }).code, `${what}: ${id} lost`).toBe(0);
    }
  }, 300_000);
});
