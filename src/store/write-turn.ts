/**
 * Writers of the coordination ref on one machine take turns. Without turns, 8 processes writing
 * at once mostly lose the compare-and-swap: each loser has already started cat-file and
 * fast-import (which wrote its objects) for nothing, and retries; on 2 cores that wasted work
 * was most of the wall time. A turn is a file created with O_EXCL in the common git dir holding
 * the writer's pid. It is only an optimisation: the compare-and-swap in fast-import stays the
 * guarantee, so a writer that cannot get a turn in time (a stuck holder, another clone on a
 * shared disk, a read-only folder) writes anyway, and a turn whose process is gone is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const WAIT_MS = 2000;
const POLL_MS = 2;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function holder(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Wait for this writer's turn; returns the function that ends it (call it in a finally). */
export async function takeWriteTurn(commonDir: string): Promise<() => void> {
  const file = join(commonDir, 'parallel', 'store-write.turn');
  const mine = String(process.pid);
  const deadline = Date.now() + WAIT_MS;
  for (let made = false; ;) {
    try {
      const fd = openSync(file, 'wx');
      try { writeSync(fd, mine); } finally { closeSync(fd); }
      return () => {
        try {
          if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
        } catch {
          // already gone (taken over after a long stall): nothing to end
        }
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !made) {
        made = true;
        try { mkdirSync(join(commonDir, 'parallel'), { recursive: true }); } catch { /* write without a turn */ }
        continue;
      }
      if (code !== 'EEXIST') return () => {};
    }
    // The holder's pid is written right after the file is made: no pid yet is a live holder.
    const pid = holder(file);
    if (pid !== undefined && !alive(pid)) {
      try { unlinkSync(file); } catch { /* another waiter took it over first */ }
      continue;
    }
    if (Date.now() > deadline) return () => {};
    await sleep(POLL_MS);
  }
}
