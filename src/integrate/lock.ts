/**
 * The integrate lock: one integrate at a time per clone. A file created atomically (written
 * aside, then hard-linked into place, so it is never seen half-written) holding the owner's pid
 * and start time. A lock whose owner is gone (`kill -9`) is stale: it is moved aside and checked
 * before being cleared, so two runs that both find it stale cannot both take it.
 */
import { linkSync, lstatSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ParallelError, ExitCode } from '../errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  /** The owner's process start time (Linux /proc), to tell a reused pid from the owner. */
  pidStart?: string;
  nonce: string;
  since: string;
  command: string;
}

export interface HeldLock {
  file: string;
  info: LockInfo;
  /** The stale lock this run cleared, if any (to say so). */
  cleared?: LockInfo;
  release(): void;
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), if known. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `info` still runs (false for a dead or reused pid). */
export function ownerAlive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true; // cannot tell from here: assume it runs
  try {
    process.kill(info.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(info.pid);
  return !(info.pidStart && start && start !== info.pidStart);
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

export function lockFile(dir: string): string {
  return join(dir, 'lock');
}

/** Read the current lock and whether its owner runs (for `doctor`-style reports). */
export function inspectLock(dir: string): { info: LockInfo; alive: boolean } | undefined {
  const info = readLock(lockFile(dir));
  return info ? { info, alive: ownerAlive(info) } : undefined;
}

function busy(info: LockInfo): ParallelError {
  return new ParallelError(
    `parallel: another integrate is running (pid ${info.pid} on ${info.host}, since ${info.since}). Wait for it to finish, or check on it with "parallel status"; a killed run's lock is cleared automatically.`,
    { exitCode: ExitCode.busy, code: 'busy', details: { lock: info } },
  );
}

/** Take the lock or throw a busy error (exit 4). */
export function acquireLock(dir: string, command: string): HeldLock {
  const file = lockFile(dir);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    pidStart: processStart(process.pid),
    nonce: randomBytes(8).toString('hex'),
    since: new Date().toISOString(),
    command,
  };
  const tmp = `${file}.${info.nonce}.tmp`;
  writeFileSync(tmp, JSON.stringify(info));
  let cleared: LockInfo | undefined;
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, file);
        return { file, info, cleared, release: () => releaseLock(file, info.nonce) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (!isPlainFile(file)) throw notALock(file);
      const current = readLock(file);
      if (current && ownerAlive(current)) throw busy(current);
      // Stale (or unreadable: a lock is linked whole, so that is damage): move it aside, then
      // check that what we moved is the lock we judged, not one another run just took.
      const aside = `${file}.${info.nonce}.stale`;
      try {
        renameSync(file, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const moved = readLock(aside);
      if (current && moved && moved.nonce !== current.nonce) {
        // We moved a live run's fresh lock: put it back and report busy.
        try {
          linkSync(aside, file);
        } catch {
          // a third run took the lock meanwhile; either way someone holds it
        }
        unlinkSync(aside);
        throw busy(moved);
      }
      unlinkSync(aside);
      cleared = current;
    }
    throw busy(readLock(file) ?? info);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

function isPlainFile(file: string): boolean {
  try {
    return lstatSync(file).isFile();
  } catch {
    return true; // gone meanwhile: the next attempt links it
  }
}

/** Something else where the lock file goes (a directory, a symlink): never ours to move or delete. */
function notALock(file: string): ParallelError {
  return new ParallelError(
    `parallel: ${file}, where integrate keeps its lock, is not a file (a directory or link someone made there), so integrate cannot tell whether another run holds it; nothing was changed. Remove it ("rm -r '${file}'", after checking nothing you need is in it), then run "parallel integrate" again.`,
    { exitCode: ExitCode.refused, code: 'refused' },
  );
}

function releaseLock(file: string, nonce: string): void {
  const current = readLock(file);
  if (current?.nonce !== nonce) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
