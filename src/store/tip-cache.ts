/**
 * What the last store write on this clone left at the coordination ref's tip: the commit and the
 * bodies of the paths it read and wrote (a session's record and open chunk). The next write of the
 * same session, while the ref still points at that commit, takes the bodies from here instead of
 * starting `git cat-file` (one git process less per heartbeat).
 *
 * Only an optimisation, and safe whatever happens to the file: a commit's content never changes,
 * so "commit T holds these bodies" stays true forever; a write made from it still names T in its
 * compare-and-swap (fast-import refuses when the ref moved meanwhile). Anything unusual (no loose
 * ref file: packed refs or another ref backend; a path not in the cache; an unreadable or partly
 * written file) means a miss, and the write reads through git as before.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORE_REF } from './layout.js';

interface TipCacheFile {
  tip: string;
  bodies: Record<string, string | null>;
}

const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

function cacheFile(commonDir: string): string {
  return join(commonDir, 'parallel', 'store-tip.json');
}

/** The ref's tip from its loose ref file (undefined when there is none: git must answer). */
function looseTip(commonDir: string): string | undefined {
  try {
    const text = readFileSync(join(commonDir, STORE_REF), 'utf8').trim();
    return OID.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The tip and the bodies of `paths` there, when the cache is for the ref's current tip and holds them all. */
export function cachedTip(commonDir: string, paths: readonly string[]): { tip: string; bodies: (string | null)[] } | undefined {
  const tip = looseTip(commonDir);
  if (!tip) return undefined;
  let cache: TipCacheFile;
  try {
    cache = JSON.parse(readFileSync(cacheFile(commonDir), 'utf8')) as TipCacheFile;
  } catch {
    return undefined;
  }
  if (cache?.tip !== tip || typeof cache.bodies !== 'object' || cache.bodies === null) return undefined;
  const bodies: (string | null)[] = [];
  for (const p of paths) {
    const b = cache.bodies[p];
    if (b !== null && typeof b !== 'string') return undefined;
    bodies.push(b);
  }
  return { tip, bodies };
}

/** Record what commit `tip` (just written by this process) holds at these paths. */
export function rememberTip(commonDir: string, tip: string, bodies: Record<string, string | null>): void {
  writeWhole(cacheFile(commonDir), JSON.stringify({ tip, bodies } satisfies TipCacheFile));
}

interface SessionsCacheFile {
  tip: string;
  bodies: string[];
}

function sessionsFile(commonDir: string): string {
  return join(commonDir, 'parallel', 'store-sessions.json');
}

/**
 * The ref's tip as its loose ref file names it, and the session record bodies read at that
 * commit by an earlier reader when there are some (`bodies` undefined: read them at `tip`, then
 * `rememberSessions`). Undefined when the ref has no loose file: read through the ref name.
 */
export function cachedSessions(commonDir: string): { tip: string; bodies?: string[] } | undefined {
  const tip = looseTip(commonDir);
  if (!tip) return undefined;
  try {
    const cache = JSON.parse(readFileSync(sessionsFile(commonDir), 'utf8')) as SessionsCacheFile;
    if (cache?.tip === tip && Array.isArray(cache.bodies) && cache.bodies.every((b) => typeof b === 'string')) return { tip, bodies: cache.bodies };
  } catch {
    // no cache yet, or a damaged one: read through git
  }
  return { tip };
}

/** Keep the session record bodies of commit `tip` (read at that commit, not at the ref name). */
export function rememberSessions(commonDir: string, tip: string, bodies: string[]): void {
  writeWhole(sessionsFile(commonDir), JSON.stringify({ tip, bodies } satisfies SessionsCacheFile));
}

function writeWhole(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    // A rename, so a reader sees a whole file, old or new.
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch {
    // read-only or missing folder: the next reader asks git
  }
}
