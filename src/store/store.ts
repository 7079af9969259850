/**
 * The coordination store on `refs/notes/parallel`: append events (compare-and-swap, bounded
 * jittered retries), read the current records of every session, read the event history.
 *
 * A write is two git processes: one `cat-file --batch` (tip, the session's record, its open
 * chunk) and one `fast-import` (the CAS commit); one, fast-import alone, while the ref is still
 * where this clone's last write left it (tip-cache.ts). Reading every session's record is two
 * (`ls-tree` + `cat-file --batch`), whatever the length of the history.
 */
import { hostname } from 'node:os';
import { statSync } from 'node:fs';
import { git, splitZ } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import { ParallelError, ExitCode } from '../errors.js';
import type { NewEvent, SessionRecord, StatusEvent } from './types.js';
import type { Plan } from '../core/plan.js';
import { applyEvent, compareEvents, hasRecord } from './record.js';
import { CHUNK_SIZE, STORE_REF, openChunkPath, parseEventsPath, parseLines, recordPath, sealedChunkPath, toLines } from './layout.js';
import { runImport, type ImportOp } from './fast-import.js';
import { takeWriteTurn } from './write-turn.js';
import { cachedSessions, cachedTip, rememberSessions, rememberTip } from './tip-cache.js';

export { STORE_REF };
type Ctx = Pick<RepoContext, 'commonDir' | 'toplevel'>;

// ---------------------------------------------------------------------------------------------
// Reading objects

/** `git cat-file --batch` for several object names; null for a missing one. */
export function catBatch(cwd: string, names: readonly string[]): { oid: string; type: string; body: string }[] | null[] {
  if (names.length === 0) return [];
  const res = git(['cat-file', '--batch'], { cwd, input: names.join('\n') + '\n' });
  // Sizes are in bytes: work on the bytes (everything we store is UTF-8).
  const buf = Buffer.from(res.stdout, 'utf8');
  const out: ({ oid: string; type: string; body: string } | null)[] = [];
  let pos = 0;
  for (let i = 0; i < names.length; i++) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) break;
    const header = buf.subarray(pos, nl).toString('utf8');
    pos = nl + 1;
    const m = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(header);
    if (!m) {
      out.push(null); // "<name> missing" or "ambiguous"
      continue;
    }
    const size = Number(m[3]);
    out.push({ oid: m[1]!, type: m[2]!, body: buf.subarray(pos, pos + size).toString('utf8') });
    pos += size + 1;
  }
  return out as { oid: string; type: string; body: string }[];
}

/** The current tip of the coordination ref, or null. */
export function readStoreTip(ctx: Ctx): string | null {
  const res = git(['rev-parse', '--verify', '--quiet', `${STORE_REF}^{commit}`], { cwd: ctx.toplevel, okCodes: [0, 1, 128] });
  return res.exitCode === 0 ? res.stdout.trim() : null;
}

/** Blob entries below `prefix` in a commit's tree: path -> blob oid. */
export function listTree(cwd: string, treeish: string, prefix?: string): Map<string, string> {
  const res = git(['ls-tree', '-r', '-z', '--full-tree', treeish, ...(prefix ? ['--', prefix] : [])], { cwd, okCodes: [0, 128] });
  const map = new Map<string, string>();
  if (res.exitCode !== 0) return map;
  for (const entry of splitZ(res.stdout)) {
    const tab = entry.indexOf('\t');
    const [, type, oid] = entry.slice(0, tab).split(' ');
    if (type === 'blob') map.set(entry.slice(tab + 1), oid!);
  }
  return map;
}

// ---------------------------------------------------------------------------------------------
// Writing

export interface NoteWrite {
  /** The commit the note is attached to. */
  commit: string;
  /**
   * Note text (replaces an existing note on that commit); a function receives the record of the
   * write's first session as this write leaves it (the post-commit note names its last message).
   */
  text: string | ((rec: SessionRecord | undefined) => string);
}

export interface StoreWrite {
  events: StatusEvent[];
  notes?: NoteWrite[];
  /**
   * Refuse (throw this error) when the first event's session has no record yet: a session
   * command may only report for a started session. Decided from the record the write reads anyway.
   */
  requireRecord?: ParallelError;
  /** Other paths written as they are (integrate's trusted-commit records). */
  files?: { path: string; content: string }[];
  /** The commit message (default: the first event's type, phase and session). */
  message?: string;
}

const LOCK_WAIT_MS = Number(process.env.PARALLEL_LOCK_WAIT_MS) || 3000;
const MAX_ATTEMPTS = 400;

export function newEventId(at: string): string {
  // 48 random bits per event (two Math.random draws; node:crypto costs start-up time for nothing here).
  const r = () => Math.floor(Math.random() * 0x1000000).toString(16).padStart(6, '0');
  return `${at.replace(/[-:.TZ]/g, '')}-${r()}${r()}`;
}

/** This clone's identity in `start` events (tells a deleted worktree here from another clone). */
export function cloneOrigin(ctx: Pick<RepoContext, 'commonDir'>): string {
  return `${hostname()}:${ctx.commonDir}`;
}

/** Fill `at` and `id` (and `origin` of a start event). */
export function completeEvent(ctx: Ctx, ev: NewEvent): StatusEvent {
  const at = ev.at ?? new Date().toISOString();
  const { at: _at, ...rest } = ev;
  const full = { at, id: newEventId(at), ...rest } as StatusEvent;
  if (full.type === 'start' && full.origin === undefined) full.origin = cloneOrigin(ctx);
  return full;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Append events (and optional commit notes) in one compare-and-swap commit. Retries with
 * jittered backoff while other writers move the ref; a lock file that stays gives a clear error.
 */
export async function writeStore(ctx: Ctx, write: StoreWrite): Promise<void> {
  const cwd = ctx.toplevel;
  const keys = [...new Set(write.events.map((e) => `${e.phase}\0${e.session}`))].map((k) => k.split('\0') as [string, string]);
  // A lock is stale when the SAME lock file (same inode and mtime) stays: live writers make new ones.
  let seenLock: { id: string; since: number } | undefined;
  const first = write.events[0];
  const message = write.message ?? (first ? `${first.type} ${first.phase || 'coordinator'}/${first.session}${write.events.length > 1 ? ` (+${write.events.length - 1})` : ''}` : 'notes');
  // Per session: its record (only for events that keep one: not decisions) and its open chunk.
  const withRecord = keys.map(([p, s]) => write.events.some((e) => e.phase === p && e.session === s && hasRecord(e)));
  const paths = keys.flatMap(([p, s], i) => [...(withRecord[i] ? [recordPath(p, s)] : []), openChunkPath(p, s)]);
  for (let attempt = 1; ; attempt++) {
    // Two processes: cat-file reads the tip, the records and open chunks; fast-import writes on
    // that tip. (One interactive fast-import, reading with ls/cat-blob, used the same CPU and was
    // slower in wall time on a loaded machine: every round trip waits for a time slice.)
    // Writers on this machine take turns (write-turn.ts), so the read below is rarely stale.
    const endTurn = await takeWriteTurn(ctx.commonDir);
    let outcome;
    try {
      // While the ref is where this clone's last write left it, that write's bodies need no git call.
      const known = cachedTip(ctx.commonDir, paths);
      let tip: string | null;
      let bodies: (string | null)[];
      if (known) {
        ({ tip, bodies } = known);
      } else {
        const got = catBatch(cwd, [STORE_REF, ...paths.map((p) => `${STORE_REF}:${p}`)]);
        tip = got[0]?.type === 'commit' ? got[0].oid : null;
        bodies = paths.map((_, i) => (tip ? got[1 + i]?.body ?? null : null));
      }
      if (write.requireRecord && !(tip && withRecord[0] && bodies[0] != null)) throw write.requireRecord;
      let at = 0;
      const perKey = keys.map((_, i) => ({ rec: withRecord[i] ? bodies[at++] ?? null : null, open: bodies[at++] ?? null }));
      const ops = buildOps(write, keys, perKey);
      outcome = runImport(cwd, { from: tip, message, ops });
      if (outcome.ok && outcome.tip) rememberTip(ctx.commonDir, outcome.tip, bodiesAfter(paths, bodies, ops));
    } finally {
      endTurn();
    }
    if (outcome.ok) return;
    if (outcome.reason === 'error') {
      throw new ParallelError(`parallel: could not write to ${STORE_REF}: ${outcome.stderr}. Run "parallel doctor" to check the coordination ref.`, { code: 'git' });
    }
    if (outcome.reason === 'locked') {
      const id = lockIdentity(outcome.lockFile);
      if (id && seenLock?.id === id) {
        const held = Date.now() - seenLock.since;
        if (held > LOCK_WAIT_MS) {
          throw new ParallelError(
            `parallel: ${STORE_REF} is locked by ${outcome.lockFile}, which has stayed for ${(held / 1000).toFixed(1)}s. If no git or parallel process is still running, a crashed one left it: remove it with "rm '${outcome.lockFile}'" and run the command again.`,
            { exitCode: ExitCode.refused, code: 'busy' },
          );
        }
      } else {
        seenLock = id ? { id, since: Date.now() } : undefined;
      }
    }
    if (attempt >= MAX_ATTEMPTS) {
      throw new ParallelError(`parallel: ${STORE_REF} kept moving under ${MAX_ATTEMPTS} write attempts (too many writers at once). Run the command again.`, { exitCode: ExitCode.busy, code: 'busy' });
    }
    // Jittered backoff: spread the writers that lost this round.
    await sleep(Math.random() * Math.min(5 + attempt * 4, 60));
  }
}

/**
 * The change one write makes: per session, its events appended to the open chunk (sealed at
 * CHUNK_SIZE) and its record folded forward; then the commit notes. `bodies` holds, per session,
 * the current record and open chunk (null when absent).
 */
function buildOps(write: StoreWrite, keys: [string, string][], bodies: { rec: string | null; open: string | null }[]): ImportOp[] {
  const ops: ImportOp[] = [];
  let firstRecord: SessionRecord | undefined;
  keys.forEach(([phase, session], i) => {
    const recBody = bodies[i]?.rec ?? null;
    const openBody = bodies[i]?.open ?? null;
    const mine = write.events.filter((e) => e.phase === phase && e.session === session);
    let rec: SessionRecord | undefined = recBody ? safeJson<SessionRecord>(recBody) : undefined;
    let open = openBody ? parseLines<StatusEvent>(openBody) : [];
    for (const ev of mine) {
      if (hasRecord(ev)) rec = applyEvent(rec, ev);
      open.push(ev);
      if (open.length >= CHUNK_SIZE) {
        // Seal the full chunk, named by its first event's id (unique, and sorts by time).
        ops.push({ op: 'M', path: sealedChunkPath(phase, session, open[0]!.id), content: toLines(open) });
        open = [];
      }
    }
    ops.push({ op: 'M', path: openChunkPath(phase, session), content: toLines(open) });
    if (i === 0) firstRecord = rec;
    if (rec && hasRecord(mine[0]!)) ops.push({ op: 'M', path: recordPath(phase, session), content: JSON.stringify(rec) + '\n' });
  });
  for (const f of write.files ?? []) ops.push({ op: 'M', path: f.path, content: f.content });
  for (const n of write.notes ?? []) {
    const text = typeof n.text === 'function' ? n.text(firstRecord) : n.text;
    ops.push({ op: 'N', commit: n.commit, content: text.endsWith('\n') ? text : `${text}\n` });
  }
  return ops;
}

/** The bodies of `paths` in the commit a write made: what it wrote there, else what it read. */
function bodiesAfter(paths: readonly string[], read: readonly (string | null)[], ops: readonly ImportOp[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  paths.forEach((p, i) => { out[p] = read[i] ?? null; });
  for (const op of ops) {
    if (op.op === 'M' && op.path in out) out[op.path] = op.content;
    if (op.op === 'D' && op.path in out) out[op.path] = null;
  }
  return out;
}

/** Inode and mtime of a lock file (undefined once it is gone). */
function lockIdentity(file: string): string | undefined {
  try {
    const st = statSync(file);
    return `${st.ino}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function safeJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Append one event; returns it with `at` and `id` filled in. `requireRecord`: see StoreWrite. */
export async function appendEvent(ctx: Ctx, event: NewEvent, requireRecord?: ParallelError): Promise<StatusEvent> {
  const full = completeEvent(ctx, event);
  await writeStore(ctx, { events: [full], ...(requireRecord ? { requireRecord } : {}) });
  return full;
}

/** Append several events in one commit (e.g. one per phase `start`ed together). */
export async function appendEvents(ctx: Ctx, events: readonly NewEvent[], notes: NoteWrite[] = []): Promise<StatusEvent[]> {
  const full = events.map((e) => completeEvent(ctx, e));
  await writeStore(ctx, { events: full, notes });
  return full;
}

// ---------------------------------------------------------------------------------------------
// Reading state and history

/** Every session's current record (two git calls, independent of history length; none while the ref stays put). */
export function readSessions(ctx: Ctx): SessionRecord[] {
  // No git call while the ref is at the commit an earlier reader read (tip-cache.ts); else read at
  // that exact commit (not the ref name, which may move meanwhile) and keep what was read.
  const known = cachedSessions(ctx.commonDir);
  let bodies = known?.bodies;
  if (!bodies) {
    const entries = listTree(ctx.toplevel, known?.tip ?? STORE_REF, 'sessions/');
    bodies = catBatch(ctx.toplevel, [...entries.values()]).map((b) => b?.body ?? '');
    if (known && entries.size) rememberSessions(ctx.commonDir, known.tip, bodies);
  }
  const out: SessionRecord[] = [];
  for (const body of bodies) {
    const rec = body ? safeJson<SessionRecord>(body) : undefined;
    if (rec && typeof rec.phase === 'string' && typeof rec.session === 'string') out.push(rec);
  }
  return out;
}

/** Events, oldest first; `phase` limits to one phase ("" = the coordinator's). */
export function readEvents(ctx: Ctx, opts: { phase?: string; treeish?: string } = {}): StatusEvent[] {
  const prefix = opts.phase === undefined ? 'events/' : `events/${opts.phase || '_coordinator'}/`;
  const entries = listTree(ctx.toplevel, opts.treeish ?? STORE_REF, prefix);
  const paths = [...entries.keys()].filter((p) => parseEventsPath(p));
  const blobs = catBatch(ctx.toplevel, paths.map((p) => entries.get(p)!));
  const events: StatusEvent[] = [];
  const seen = new Set<string>();
  for (const b of blobs) {
    if (!b) continue;
    for (const ev of parseLines<StatusEvent>(b.body)) {
      if (typeof ev?.id !== 'string' || seen.has(ev.id)) continue;
      seen.add(ev.id);
      events.push(ev);
    }
  }
  return events.sort(compareEvents);
}

// ---------------------------------------------------------------------------------------------
// For the worktree commands (src/worktrees/events.ts looks these names up)

/** Each phase's derived state and current session (relay checks, reviewer start). */
export async function phaseStates(ctx: RepoContext, plan: Plan): Promise<Map<string, { state: string; session: string }>> {
  const { resolveBase } = await import('../git/repo.js');
  const { gatherPhaseStates } = await import('./gather.js');
  const { rows } = await gatherPhaseStates(ctx, plan, resolveBase(ctx));
  return new Map(rows.map((r) => [r.id, { state: r.state, session: r.session ?? r.id }]));
}

/** The live parts of a brief: decisions, what the needed phases delivered, ticks, a handoff. */
export async function briefFacts(ctx: RepoContext, plan: Plan, phase: string, session: string): Promise<{
  decisions: { at: string; text: string }[];
  delivered: Map<string, { message?: string; handoff?: string; outputs?: string[] }>;
  ticked: Set<number>;
  handoff?: string;
}> {
  const { currentRecord } = await import('../core/phase-state.js');
  const records = readSessions(ctx);
  const decisions = readEvents(ctx, { phase: '' }).filter((e) => e.type === 'decision').map((e) => ({ at: e.at, text: e.message ?? '' }));
  const of = (id: string) => records.filter((r) => r.phase === id);
  const delivered = new Map<string, { message?: string; handoff?: string; outputs?: string[] }>();
  const target = plan.phases.find((p) => p.id === phase);
  for (const need of target?.needs ?? []) {
    const rec = currentRecord(of(need));
    if (!rec) continue;
    const handoff = of(need).reduce<{ at: string; message: string } | undefined>((h, r) => (r.handoff && (!h || r.handoff.at > h.at) ? r.handoff : h), undefined);
    delivered.set(need, {
      ...(rec.state === 'done' && rec.message ? { message: rec.message } : {}),
      ...(handoff ? { handoff: handoff.message } : {}),
      ...(rec.output_files?.length ? { outputs: rec.output_files } : {}),
    });
  }
  // Ticks carry across sessions of the phase: the latest tick or untick of an item wins.
  const ticks = new Map<number, { done: boolean; at: string }>();
  for (const r of of(phase)) for (const [k, t] of Object.entries(r.tasks ?? {})) {
    const prev = ticks.get(Number(k));
    if (!prev || prev.at <= t.at) ticks.set(Number(k), t);
  }
  const ticked = new Set([...ticks].filter(([, t]) => t.done).map(([k]) => k + 1));
  // The handoff an earlier session of this phase left for this one.
  const earlier = of(phase).filter((r) => r.session !== session && r.handoff).sort((a, b) => (a.handoff!.at < b.handoff!.at ? 1 : -1))[0];
  const own = of(phase).find((r) => r.session === session)?.handoff;
  const handoff = earlier?.handoff?.message ?? own?.message;
  return { decisions, delivered, ticked, ...(handoff ? { handoff } : {}) };
}
