import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, inspectLock, lockFile } from '../../src/integrate/lock.js';
import { ParallelError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallel-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function deadPid(): number {
  return spawnSync('true').pid!;
}

describe('integrate lock', () => {
  it('is exclusive: a second taker gets a busy error (exit 4) naming the holder', () => {
    const held = acquireLock(dir, 'integrate');
    let err: unknown;
    try {
      acquireLock(dir, 'integrate');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParallelError);
    expect((err as ParallelError).exitCode).toBe(4);
    expect((err as ParallelError).message).toContain(`pid ${process.pid}`);
    held.release();
    expect(existsSync(lockFile(dir))).toBe(false);
    acquireLock(dir, 'integrate').release();
  });

  it('clears a lock whose owner is dead, or whose pid now belongs to another process', () => {
    writeFileSync(lockFile(dir), JSON.stringify({ pid: deadPid(), host: hostname(), nonce: 'dead', since: 'then', command: 'integrate' }));
    expect(inspectLock(dir)!.alive).toBe(false);
    const held = acquireLock(dir, 'integrate');
    expect(held.cleared?.nonce).toBe('dead');
    held.release();
    // Our own pid, but a different process start time: a reused pid.
    writeFileSync(lockFile(dir), JSON.stringify({ pid: process.pid, host: hostname(), pidStart: '1', nonce: 'reused', since: 'then', command: 'integrate' }));
    const again = acquireLock(dir, 'integrate');
    expect(again.cleared?.nonce).toBe('reused');
    again.release();
  });

  it('clears a damaged lock file and leaves no temporary files behind', () => {
    writeFileSync(lockFile(dir), '{"pid": 12');
    const held = acquireLock(dir, 'integrate');
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8')).pid).toBe(process.pid);
    held.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('release never removes a lock someone else holds', () => {
    const held = acquireLock(dir, 'integrate');
    writeFileSync(lockFile(dir), JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'other', since: 'now', command: 'integrate' }));
    held.release();
    expect(existsSync(lockFile(dir))).toBe(true);
  });
});
