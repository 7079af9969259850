/**
 * Merging two versions of the coordination ref (sync). `git notes merge` would drop our non-note
 * entries (GIT-FACTS), so the merge is ours: per session the union of events by id, re-chunked
 * and its record re-folded; commit notes unioned (lines of both when both annotate a commit);
 * integrate's trusted-commit records unioned.
 * The result is one commit with both tips as parents, written with compare-and-swap.
 */
import { git } from '../git/git.js';
import type { StatusEvent } from './types.js';
import { compareEvents, foldEvents, hasRecord } from './record.js';
import { CHUNK_SIZE, STORE_REF, eventsDir, openChunkPath, parseEventsPath, parseLines, recordPath, sealedChunkPath, toLines } from './layout.js';
import { catBatch, listTree } from './store.js';
import { runImport, type ImportOp, type ImportOutcome } from './fast-import.js';
import { TRUSTED_DIR } from './trusted.js';

/** The chunks and record of one session after a merge (pure). */
export function chunkSession(phase: string, session: string, events: readonly StatusEvent[]): ImportOp[] {
  const sorted = [...events].sort(compareEvents);
  const ops: ImportOp[] = [];
  const sealedCount = Math.floor(sorted.length / CHUNK_SIZE);
  for (let i = 0; i < sealedCount; i++) {
    const chunk = sorted.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE);
    ops.push({ op: 'M', path: sealedChunkPath(phase, session, chunk[0]!.id), content: toLines(chunk) });
  }
  ops.push({ op: 'M', path: openChunkPath(phase, session), content: toLines(sorted.slice(sealedCount * CHUNK_SIZE)) });
  const rec = sorted.length && hasRecord(sorted[0]!) ? foldEvents(sorted) : undefined;
  if (rec) ops.push({ op: 'M', path: recordPath(phase, session), content: JSON.stringify(rec) + '\n' });
  return ops;
}

/** Union of two note texts: ours, then their lines we lack. */
export function unionNote(ours: string, theirs: string): string {
  const have = new Set(ours.split('\n'));
  const extra = theirs.split('\n').filter((l) => l && !have.has(l));
  return extra.length ? `${ours.replace(/\n*$/, '\n')}${extra.join('\n')}\n` : ours;
}

/** Commit notes in a tree listing: annotated object -> note blob (fan-out dirs removed). */
function notesOf(entries: Map<string, string>, paths?: Map<string, string>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [path, blob] of entries) {
    const hex = path.replace(/\//g, '');
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(hex)) {
      map.set(hex, blob);
      paths?.set(hex, path);
    }
  }
  return map;
}

/** Which of `oids` this clone has (one `cat-file --batch-check`). */
function presentObjects(cwd: string, oids: readonly string[]): Set<string> {
  if (!oids.length) return new Set();
  const out = git(['cat-file', '--batch-check=%(objectname)'], { cwd, input: oids.join('\n') + '\n' }).stdout;
  return new Set(out.split('\n').filter((l) => /^[0-9a-f]+$/.test(l)));
}

function sessionsOf(entries: Map<string, string>): Map<string, Map<string, string>> {
  const map = new Map<string, Map<string, string>>();
  for (const [path, oid] of entries) {
    const p = parseEventsPath(path);
    if (!p) continue;
    const key = `${p.phase}\0${p.session}`;
    if (!map.has(key)) map.set(key, new Map());
    map.get(key)!.set(path, oid);
  }
  return map;
}

function sameChunks(a: Map<string, string> | undefined, b: Map<string, string> | undefined): boolean {
  if (!a || !b || a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

export interface MergeResult {
  outcome: ImportOutcome | { ok: true; nothing: true };
  /** Events the remote had that we lacked. */
  received: number;
  /** How the local ref moved: unchanged, fast-forwarded, created or merged. */
  how: 'unchanged' | 'fast-forward' | 'created' | 'merged';
}

/** Merge `theirs` (a commit of the coordination ref) into the local ref, once (CAS). */
export function mergeStoreTips(cwd: string, ours: string | null, theirs: string): MergeResult {
  if (ours === theirs) return { outcome: { ok: true, nothing: true }, received: 0, how: 'unchanged' };
  if (!ours) {
    const res = git(['update-ref', STORE_REF, theirs, '0'.repeat(40)], { cwd, okCodes: [0, 1, 128] });
    return { outcome: res.exitCode === 0 ? { ok: true } : { ok: false, reason: 'moved' }, received: -1, how: 'created' };
  }
  const isAncestor = (a: string, b: string) => git(['merge-base', '--is-ancestor', a, b], { cwd, okCodes: [0, 1] }).exitCode === 0;
  if (isAncestor(theirs, ours)) return { outcome: { ok: true, nothing: true }, received: 0, how: 'unchanged' };
  if (isAncestor(ours, theirs)) {
    const res = git(['update-ref', STORE_REF, theirs, ours], { cwd, okCodes: [0, 1, 128] });
    return { outcome: res.exitCode === 0 ? { ok: true } : { ok: false, reason: 'moved' }, received: -1, how: 'fast-forward' };
  }
  const ourTree = listTree(cwd, ours);
  const theirTree = listTree(cwd, theirs);
  const mine = sessionsOf(ourTree);
  const their = sessionsOf(theirTree);
  const differing = [...their.keys()].filter((k) => !sameChunks(mine.get(k), their.get(k)));
  const blobs = new Set<string>();
  for (const k of differing) {
    for (const oid of mine.get(k)?.values() ?? []) blobs.add(oid);
    for (const oid of their.get(k)!.values()) blobs.add(oid);
  }
  const list = [...blobs];
  const bodies = new Map(catBatch(cwd, list).map((b, i) => [list[i]!, b?.body ?? '']));
  const ops: ImportOp[] = [];
  let received = 0;
  for (const k of differing) {
    const [phase, session] = k.split('\0') as [string, string];
    const byId = new Map<string, StatusEvent>();
    for (const oid of mine.get(k)?.values() ?? []) for (const e of parseLines<StatusEvent>(bodies.get(oid)!)) if (e?.id) byId.set(e.id, e);
    const before = byId.size;
    for (const oid of their.get(k)!.values()) for (const e of parseLines<StatusEvent>(bodies.get(oid)!)) if (e?.id && !byId.has(e.id)) byId.set(e.id, e);
    received += byId.size - before;
    if (byId.size === before && mine.has(k)) continue; // they have nothing we lack
    ops.push({ op: 'D', path: eventsDir(phase, session) }, ...chunkSession(phase, session, [...byId.values()]));
  }
  // Commit notes: theirs where we have none; both lines where both annotate a commit.
  const ourPaths = new Map<string, string>();
  const theirPaths = new Map<string, string>();
  const ourNotes = notesOf(ourTree, ourPaths);
  const theirNotes = notesOf(theirTree, theirPaths);
  const noteWork = [...theirNotes].filter(([obj, blob]) => ourNotes.get(obj) !== blob);
  const noteBlobs = [...new Set(noteWork.flatMap(([obj, blob]) => [blob, ourNotes.get(obj)].filter((x): x is string => Boolean(x))))];
  const noteText = new Map(catBatch(cwd, noteBlobs).map((b, i) => [noteBlobs[i]!, b?.body ?? '']));
  // fast-import's N needs the annotated commit; a clone that has not fetched it (a merge commit
  // integrate made elsewhere) keeps the note at the path the tree already has for it.
  const present = presentObjects(cwd, noteWork.map(([obj]) => obj));
  for (const [obj, blob] of noteWork) {
    const mineBlob = ourNotes.get(obj);
    const text = mineBlob ? unionNote(noteText.get(mineBlob)!, noteText.get(blob)!) : noteText.get(blob)!;
    if (mineBlob && text === noteText.get(mineBlob)) continue;
    if (present.has(obj)) ops.push({ op: 'N', commit: obj, content: text });
    else ops.push({ op: 'M', path: ourPaths.get(obj) ?? theirPaths.get(obj)!, content: text });
  }
  // integrate's trusted-commit records (written once, never changed): theirs that we lack.
  const trusted = [...theirTree].filter(([path]) => path.startsWith(`${TRUSTED_DIR}/`) && !ourTree.has(path));
  const trustedBodies = catBatch(cwd, trusted.map(([, blob]) => blob));
  trusted.forEach(([path], i) => ops.push({ op: 'M', path, content: trustedBodies[i]?.body ?? '' }));
  const outcome = runImport(cwd, { from: ours, merge: theirs, message: `sync: merge ${theirs.slice(0, 12)}`, ops });
  return { outcome, received, how: 'merged' };
}
