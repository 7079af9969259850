/**
 * Where things live inside the coordination ref's tree (`refs/notes/parallel`). Users may read it
 * with plain git (`git ls-tree -r refs/notes/parallel`); docs/ARCHITECTURE.md describes it.
 *
 *   <xx>/<oid...> or <oid>                   commit notes (git's own layout and fan-out)
 *   sessions/<phase>/<session>.json          current state of one session (small, rewritten)
 *   events/<phase>/<session>/<id>.jsonl      sealed chunks of CHUNK_SIZE events (JSON lines),
 *                                            named by the first event's id
 *   events/<phase>/<session>/open.jsonl      the chunk being appended to (< CHUNK_SIZE events)
 *   events/_coordinator/<session>/...        events with no phase (decisions, integrate runs)
 */
import { NOTES_REF } from '../core/plan.js';
export const STORE_REF = NOTES_REF;

/** Events per chunk: a write rewrites at most this many JSON lines, never a growing blob. */
export const CHUNK_SIZE = 32;

export const COORDINATOR_DIR = '_coordinator';

export function eventsDir(phase: string, session: string): string {
  return `events/${phase || COORDINATOR_DIR}/${session}`;
}

export function openChunkPath(phase: string, session: string): string {
  return `${eventsDir(phase, session)}/open.jsonl`;
}

/** A sealed chunk is named by the id of its first event: unique, and sorted by time. */
export function sealedChunkPath(phase: string, session: string, firstEventId: string): string {
  return `${eventsDir(phase, session)}/${firstEventId}.jsonl`;
}

export function recordPath(phase: string, session: string): string {
  return `sessions/${phase}/${session}.json`;
}

/** Parse an events path back into phase and session (`open` tells the open chunk). */
export function parseEventsPath(path: string): { phase: string; session: string; open: boolean } | undefined {
  const m = /^events\/([^/]+)\/([^/]+)\/([0-9A-Za-z_-]+)\.jsonl$/.exec(path);
  if (!m) return undefined;
  return { phase: m[1] === COORDINATOR_DIR ? '' : m[1]!, session: m[2]!, open: m[3] === 'open' };
}

/** Parse JSON lines, skipping blank or damaged lines rather than failing a whole read. */
export function parseLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a hand-edited or truncated line: skip it
    }
  }
  return out;
}

export function toLines(items: readonly unknown[]): string {
  return items.map((i) => JSON.stringify(i)).join('\n') + (items.length ? '\n' : '');
}
