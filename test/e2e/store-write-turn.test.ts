/**
 * Writers of the coordination ref take turns through <common dir>/parallel/store-write.turn
 * (src/store/write-turn.ts), so concurrent heartbeats stop losing compare-and-swaps and redoing
 * their git work. The turn is only an optimisation: a holder that stays does not block a write
 * for good, and the turn of a process that is gone (or an empty one) is taken over at once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPhase, planRepo, type TestRepo } from './store-fixture.js';

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
});
