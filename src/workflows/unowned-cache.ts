/**
 * `check`'s unowned-files verdict, cached per worktree under the common git dir
 * (`parallel/cache/unowned-<worktree>.json`), so a check on an unchanged index with unchanged
 * ownership rules starts no `git ls-files` and matches no paths.
 *
 * The verdict depends on the tracked paths (the index) and on every phase's `owns`/`exclude` and
 * `shared`, nothing else; the key holds exactly those. The index is named by its stamp: inode,
 * size, mtime and the checksum git writes at its end. Git replaces the index whole (a lock file
 * renamed into place), so a stamp names one content; an index without a checksum
 * (`index.skipHash`) or none at all is never cached. A listing is saved only when the stamp read
 * before `ls-files` ran is still there after it, so the listing is that index's.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RepoContext } from '../git/repo.js';
import type { Plan } from '../core/plan.js';
import { cachePath, writeCache } from '../config/plan-source.js';

export interface Unowned {
  count: number;
  examples: string[];
}

/** Bump when `unowned()` could judge the same paths and rules differently. */
const VERDICT_VERSION = 1;
/** The trailer is SHA-1 (20 bytes) or SHA-256 (32): the last 32 bytes hold either. */
const TAIL = 32;

/** The stamp of this worktree's index, or undefined when it cannot name the content. */
export function indexStamp(gitDir: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(join(gitDir, 'index'), 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (st.size < 12n + BigInt(TAIL)) return undefined;
    const tail = Buffer.alloc(TAIL);
    if (readSync(fd, tail, 0, TAIL, Number(st.size) - TAIL) !== TAIL) return undefined;
    // index.skipHash writes zeros where the checksum goes: then nothing names the content.
    if (tail.subarray(TAIL - 20).every((b) => b === 0)) return undefined;
    return `${st.ino}:${st.size}:${st.mtimeNs}:${tail.toString('hex')}`;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** What the verdict depends on in the plan, in one string. */
export function rulesKey(plan: Pick<Plan, 'phases' | 'shared'>): string {
  return JSON.stringify([VERDICT_VERSION, plan.shared, plan.phases.map((p) => [p.owns, p.exclude])]);
}

function cacheFile(ctx: RepoContext): string {
  return cachePath(ctx, ctx.isMain ? 'unowned.json' : `unowned-${basename(ctx.gitDir)}.json`);
}

export interface Entry {
  index: string;
  rules: string;
  unowned: Unowned;
}

/**
 * The entry saved for the index stamped `stamp`, if any, read before the plan is (so a caller
 * that finds none starts `ls-files` at once); `unownedFor` then checks the rules.
 */
export function cachedEntry(ctx: RepoContext, stamp: string | undefined): Entry | undefined {
  if (stamp === undefined) return undefined;
  try {
    const e = JSON.parse(readFileSync(cacheFile(ctx), 'utf8')) as Entry;
    if (e.index === stamp && typeof e.rules === 'string' && typeof e.unowned?.count === 'number' && Array.isArray(e.unowned.examples)) return e;
  } catch {
    // not cached yet, or damaged: judge again
  }
  return undefined;
}

export function unownedFor(entry: Entry | undefined, rules: string): Unowned | undefined {
  return entry?.rules === rules ? entry.unowned : undefined;
}

/** Save the verdict judged on the listing of the index stamped `before`, if that index is still in place. */
export function saveUnowned(ctx: RepoContext, before: string | undefined, rules: string, unowned: Unowned): void {
  if (before === undefined || indexStamp(ctx.gitDir) !== before) return;
  const entry: Entry = { index: before, rules, unowned };
  writeCache(cacheFile(ctx), entry);
}
