/**
 * Ref lock files a `kill -9` can leave behind (GIT-FACTS: the ref is never half-moved, but its
 * `.lock` stays and blocks every later update). Only a resumed job clears them: the integration
 * branch's lock unconditionally (we hold integrate's lock and nothing else moves that branch),
 * the coordination ref's only once it has outlived any real writer (they hold it for
 * milliseconds; sessions write there all the time).
 */
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH, NOTES_REF } from '../core/plan.js';

function lockOf(ctx: Pick<RepoContext, 'commonDir'>, ref: string): string {
  return join(ctx.commonDir, `${ref}.lock`);
}

function remove(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

export function clearIntegrationLock(ctx: Pick<RepoContext, 'commonDir'>): boolean {
  const file = lockOf(ctx, `refs/heads/${INTEGRATION_BRANCH}`);
  return existsSync(file) && remove(file);
}

/** Wait (at most ~`staleMs`) for the coordination ref's lock to go; clear it when it stays. */
export function clearStaleNotesLock(ctx: Pick<RepoContext, 'commonDir'>, staleMs = 2000): boolean {
  const file = lockOf(ctx, NOTES_REF);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let age: number;
    try {
      age = Date.now() - statSync(file).mtimeMs;
    } catch {
      return false; // gone
    }
    if (age > staleMs) return remove(file);
    Atomics.wait(pause, 0, 0, 100);
  }
}
