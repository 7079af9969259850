/**
 * Writers of the coordination ref take turns through <common dir>/parallel/store-write.turn
 * (src/store/write-turn.ts), so concurrent heartbeats stop losing compare-and-swaps and redoing
 * their git work. The turn is only an optimisation: a holder that stays does not block a write
 * for good, and the turn of a process that is gone (or an empty one) is taken over at once, by
 * one waiter only. PARALLEL_TURN_ROUNDS (default 3) raises the rounds of the takeover race.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPhase, parallelAsync, planRepo, type TestRepo } from './store-fixture.js';

const ROUNDS = Number(process.env.PARALLEL_TURN_ROUNDS) || 3;

describe('coordination store write turns', () => {
  let repo: TestRepo;
  let dash: string;
  let turn: string;
  beforeAll(() => {
    repo = planRepo();
    dash = addPhase(repo, 'dashboard');
    turn = join(repo.dir, '.git/parallel/store-write.turn');
  });
  afterAll(() => repo.cleanup());

  it('waits for a live writer holding the turn, then writes anyway (the compare-and-swap still decides)', () => {
    writeFileSync(turn, String(process.pid));
    const t = Date.now();
    const r = repo.parallel(['heartbeat', '-m', 'waited'], { cwd: dash, timeout: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1500);
    expect(existsSync(turn)).toBe(true); // not ours: left to its holder
    const log = repo.parallel(['log', '--json'], { cwd: dash });
    expect(log.stdout).toContain('waited');
  });

  it('takes over the turn of a writer that is gone, without waiting', () => {
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(turn, gone);
    const t = Date.now();
    const r = repo.parallel(['heartbeat', '-m', 'took over'], { cwd: dash, timeout: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t).toBeLessThan(1500);
    expect(existsSync(turn)).toBe(false);
  });

  it('takes over an empty turn (a writer killed before its pid was in it) at once, and keeps the event', () => {
    writeFileSync(turn, '');
    const old = new Date(Date.now() - 1000);
    utimesSync(turn, old, old);
    const t = Date.now();
    const r = repo.parallel(['heartbeat', '-m', 'after an empty turn'], { cwd: dash, timeout: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t).toBeLessThan(1500);
    expect(existsSync(turn)).toBe(false);
    expect(repo.parallel(['log', '--json'], { cwd: dash }).stdout).toContain('after an empty turn');
  });

  it('takes over an old turn whose pid now belongs to another live process (pid reuse), at once', () => {
    writeFileSync(turn, String(process.pid)); // alive, but no writer
    const old = new Date(Date.now() - 60_000);
    utimesSync(turn, old, old);
    const t = Date.now();
    const r = repo.parallel(['heartbeat', '-m', 'after a reused pid'], { cwd: dash, timeout: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t).toBeLessThan(1500);
    expect(existsSync(turn)).toBe(false);
    expect(repo.parallel(['log', '--json'], { cwd: dash }).stdout).toContain('after a reused pid');
  });

  it('writers that all find the same holder gone: one takes over at a time, never two holders, nothing lost', async () => {
    const writers = 6;
    for (let round = 1; round <= ROUNDS; round++) {
      // A live holder all of them wait for, then killed: they all find its turn stale at once.
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      writeFileSync(turn, String(holder.pid));
      const runs = Array.from({ length: writers }, (_, i) =>
        parallelAsync(repo, ['heartbeat', '-m', `round ${round} writer ${i}`], dash, { PARALLEL_DEBUG: '1' }));
      await new Promise((r) => setTimeout(r, 700));
      holder.kill('SIGKILL');
      const outs = await Promise.all(runs);
      for (const o of outs) expect(o.code, o.stderr).toBe(0);
      // Each writer says on stderr (PARALLEL_DEBUG) when it took its turn and when it ended it.
      const turns = outs.flatMap((o) => {
        const m = [...o.stderr.matchAll(/^parallel: \[store\] write turn (taken|ended) at (\d+(?:\.\d+)?)$/gm)];
        const taken = m.filter((x) => x[1] === 'taken').map((x) => Number(x[2]));
        const ended = m.filter((x) => x[1] === 'ended').map((x) => Number(x[2]));
        expect(taken.length, o.stderr).toBe(ended.length);
        return taken.map((at, i) => ({ at, end: ended[i]! }));
      }).sort((a, b) => a.at - b.at);
      expect(turns.length, `round ${round}: every writer got a turn`).toBeGreaterThanOrEqual(writers);
      for (let i = 1; i < turns.length; i++) {
        expect(turns[i]!.at, `round ${round}: turn ${i + 1} began before turn ${i} ended (two holders): ${JSON.stringify(turns)}`).toBeGreaterThanOrEqual(turns[i - 1]!.end - 1);
      }
      const log = repo.parallel(['log', '--json'], { cwd: dash }).stdout;
      for (let i = 0; i < writers; i++) expect(log).toContain(`round ${round} writer ${i}`);
      expect(existsSync(turn)).toBe(false);
    }
  }, 120_000);
});
