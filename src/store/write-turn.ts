/**
 * Writers of the coordination ref on one machine take turns. Without turns, 8 processes writing
 * at once mostly lose the compare-and-swap: each loser has already started cat-file and
 * fast-import (which wrote its objects) for nothing, and retries; on 2 cores that wasted work
 * was most of the wall time. A turn is a file in the common git dir holding the writer's pid,
 * written aside and hard-linked into place (the link fails if a turn exists), so it never
 * exists without its pid. It is only an optimisation: the compare-and-swap in fast-import stays
 * the guarantee, so a writer that cannot get a turn in time (a stuck holder, another clone on a
 * shared disk, a read-only folder) writes anyway, and a turn whose process is gone is taken over.
 * PARALLEL_DEBUG=1 says on stderr when a turn is taken and ended (the tests check no two overlap).
 */
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const WAIT_MS = 2000;
const POLL_MS = 2;
/** An empty or unreadable turn this old is damage (an older version's half-made turn), not a holder. */
const EMPTY_STALE_MS = 100;
/**
 * A turn lasts one write (milliseconds). One older than this is stale whatever its pid says: a
 * dead writer's pid may have gone to another process meanwhile, which would otherwise make every
 * later write wait its full turn, for good. Taking over a slow live holder costs only the turn
 * order; the compare-and-swap still decides.
 */
const HELD_STALE_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const debug = () => Boolean(process.env.PARALLEL_DEBUG && process.env.PARALLEL_DEBUG !== '0');
const trace = (what: string) => {
  if (debug()) process.stderr.write(`parallel: [store] write turn ${what} at ${(performance.timeOrigin + performance.now()).toFixed(3)}\n`);
};

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

/** Whether the turn in `file` belongs to no running writer: its pid is gone, it has none and is old, or it is far older than any write. */
function stale(file: string): boolean {
  const pid = holder(file);
  let age: number;
  try {
    age = Date.now() - statSync(file).mtimeMs;
  } catch {
    return false; // gone meanwhile: the next attempt takes it
  }
  return pid === undefined ? age > EMPTY_STALE_MS : age > HELD_STALE_MS || !alive(pid);
}

/**
 * Remove a stale turn, one waiter at a time. Waiters that all find the same turn stale must not
 * all remove it: the second removal would hit the first one's new turn. So only the holder of
 * a guard (linked like a turn) removes another writer's turn, judging it again under the guard;
 * the others wait for the turn it then takes. A guard left by a waiter killed in these few
 * steps is stale by the same rule and cleared (the one narrow race left, and a harmless one).
 */
function takeOver(file: string, tmp: string): void {
  const guard = `${file}.takeover`;
  try {
    linkSync(tmp, guard);
  } catch {
    if (stale(guard)) try { unlinkSync(guard); } catch { /* cleared by another waiter */ }
    return;
  }
  try {
    if (stale(file)) unlinkSync(file);
  } catch {
    // gone meanwhile: its holder ended it
  } finally {
    try { unlinkSync(guard); } catch { /* already gone */ }
  }
}

/** Wait for this writer's turn; returns the function that ends it (call it in a finally). */
export async function takeWriteTurn(commonDir: string): Promise<() => void> {
  const dir = join(commonDir, 'parallel');
  const file = join(dir, 'store-write.turn');
  const mine = String(process.pid);
  // Unique among live processes (pid) and within this one (the clock); no crypto module to load.
  const tmp = `${file}.${mine}.${process.hrtime.bigint().toString(36)}.tmp`;
  const deadline = Date.now() + WAIT_MS;
  try {
    for (let made = false; ;) {
      try {
        writeFileSync(tmp, mine, { flag: 'wx' });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !made) {
          made = true;
          try { mkdirSync(dir, { recursive: true }); } catch { /* write without a turn */ }
          continue;
        }
        return () => {};
      }
    }
    for (;;) {
      try {
        linkSync(tmp, file);
        trace('taken');
        return () => {
          trace('ended');
          try {
            if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
          } catch {
            // already gone (taken over after a long stall): nothing to end
          }
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return () => {};
      }
      if (stale(file)) {
        takeOver(file, tmp);
        continue;
      }
      if (Date.now() > deadline) {
        trace('not taken (waited too long)');
        return () => {};
      }
      await sleep(POLL_MS);
    }
  } finally {
    try { unlinkSync(tmp); } catch { /* not made */ }
  }
}
