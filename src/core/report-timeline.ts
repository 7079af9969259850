/**
 * The report's timeline as plain data (pure): each session's bars (start to done/fail, to its
 * last event when a later session took the phase over, or to the end of the axis while it is
 * open), the state segments inside a bar, its markers and its progress points, all from the
 * event history. States are mapped generically: any event carrying a `waiting_reason` (or of
 * type `waiting`) starts a `waiting` segment with that reason; a gap longer than the heartbeat
 * timeout without a sign of life is `stale`; anything else alive is `running`.
 */
import type { StatusEvent } from '../store/types.js';

export interface Segment {
  /** `running`, `waiting`, `stale` (or any state an event names). */
  state: string;
  /** For `waiting`: permission, idle, exited (whatever the event said). */
  reason?: string;
  from: number;
  to: number;
}

export type MarkerKind = 'commit' | 'error' | 'decision' | 'handoff' | 'review' | 'integrate';

export interface Marker {
  kind: MarkerKind;
  at: number;
  /** Hover text (raw: the renderer escapes it). */
  text: string;
  /** e.g. `approve`/`reject` for reviews, `integrated`/`skipped` for integrate. */
  variant?: string;
}

export interface SessionBar {
  session: string;
  from: number;
  to: number;
  /** How the bar ends: `done`, `failed`, `open` (still going), `left` (a later session took over). */
  end: 'done' | 'failed' | 'open' | 'left';
  segments: Segment[];
  /** Progress (0-100) over time. */
  progress: { at: number; pct: number }[];
}

export interface TimelineRow {
  /** Phase id, or `""` for the coordinator's row (decisions, integrate runs). */
  id: string;
  bars: SessionBar[];
  markers: Marker[];
}

export interface Timeline {
  from: number;
  to: number;
  rows: TimelineRow[];
}

export interface TimelineInput {
  phases: readonly string[];
  events: readonly StatusEvent[];
  heartbeatTimeout: number;
  /** The reader's clock: open bars reach it. */
  now: number;
  /** Only what happened from this time on (`--since`). */
  since?: number;
}

/** Types that are history, not a sign of life of the session. */
const NOT_ALIVE = new Set(['integrate', 'aborted', 'handoff', 'decision', 'done', 'fail']);

function markerOf(e: StatusEvent): Marker | undefined {
  const at = Date.parse(e.at);
  const msg = e.message ?? '';
  switch (e.type) {
    case 'commit':
      return { kind: 'commit', at, text: `commit ${typeof e.commit === 'string' ? e.commit.slice(0, 7) : ''}${msg ? `: ${msg}` : ''}` };
    case 'error':
      return { kind: 'error', at, text: `error: ${msg}` };
    case 'decision':
      return { kind: 'decision', at, text: `decision: ${msg}` };
    case 'handoff':
      return { kind: 'handoff', at, text: `handoff: ${msg}` };
    case 'review':
      return { kind: 'review', at, variant: String(e.verdict), text: `${String(e.verdict)} ${String(e.reviews)}@${String(e.tip ?? '').slice(0, 7)}${msg ? `: ${msg}` : ''}` };
    case 'integrate':
      return { kind: 'integrate', at, variant: typeof e.result === 'string' ? e.result : 'run', text: msg || 'integrate' };
    default:
      return undefined;
  }
}

function waitingReason(e: StatusEvent): string | undefined {
  if (typeof e.waiting_reason === 'string') return e.waiting_reason;
  if ((e.type as string) === 'waiting') return typeof e.reason === 'string' ? e.reason : 'unknown';
  return undefined;
}

/** One session's bars from its events (oldest first). */
export function sessionBars(events: readonly StatusEvent[], heartbeatTimeout: number, endOfAxis: number, takenOverAt?: number): SessionBar[] {
  const bars: SessionBar[] = [];
  let bar: SessionBar | undefined;
  let state = 'running';
  let reason: string | undefined;
  let segFrom = 0;
  let lastAlive = 0;
  const push = (s: string, from: number, to: number, r?: string) => {
    if (to <= from) return;
    const prev = bar!.segments[bar!.segments.length - 1];
    if (prev && prev.state === s && prev.reason === r && prev.to === from) prev.to = to;
    else bar!.segments.push({ state: s, ...(r ? { reason: r } : {}), from, to });
  };
  // Close the current segment at `t`, with a stale stretch when life stopped for too long.
  const closeAt = (t: number) => {
    if (state === 'running' && t - lastAlive > heartbeatTimeout) {
      push('running', segFrom, Math.max(segFrom, lastAlive + heartbeatTimeout));
      push('stale', Math.max(segFrom, lastAlive + heartbeatTimeout), t);
    } else push(state, segFrom, t, reason);
    segFrom = t;
  };
  const finish = (t: number, end: SessionBar['end']) => {
    closeAt(t);
    bar!.to = t;
    bar!.end = end;
    bars.push(bar!);
    bar = undefined;
  };
  for (const e of events) {
    const t = Date.parse(e.at);
    if (!Number.isFinite(t)) continue;
    if (!bar) {
      // Only a start opens a bar (a heartbeat after done changes nothing, as in the record).
      if (e.type !== 'start' && bars.length) continue;
      bar = { session: e.session, from: t, to: t, end: 'open', segments: [], progress: [] };
      state = 'running';
      reason = undefined;
      segFrom = t;
      lastAlive = t;
    }
    if (typeof e.progress === 'number') bar.progress.push({ at: t, pct: Math.max(0, Math.min(100, e.progress)) });
    if (e.type === 'done' || e.type === 'fail' || (e.type === 'review' && (e.verdict === 'approve' || e.verdict === 'reject'))) {
      if (e.type !== 'fail') bar.progress.push({ at: t, pct: 100 });
      finish(t, e.type === 'fail' ? 'failed' : 'done');
      continue;
    }
    if (NOT_ALIVE.has(e.type)) continue;
    const w = waitingReason(e);
    // Silence longer than the heartbeat timeout, then a sign of life: a stale stretch between.
    if (state === 'running' && t - lastAlive > heartbeatTimeout) closeAt(t);
    const next = w !== undefined ? 'waiting' : 'running';
    if (next !== state || w !== reason) {
      closeAt(t);
      state = next;
      reason = w;
    }
    lastAlive = t;
  }
  if (bar) {
    const last = Math.max(lastAlive, bar.from);
    if (takenOverAt !== undefined) finish(Math.max(last, Math.min(takenOverAt, endOfAxis)), 'left');
    else finish(Math.max(endOfAxis, last), 'open');
  }
  return bars;
}

function clip(bar: SessionBar, since: number): SessionBar | undefined {
  if (bar.to < since) return undefined;
  if (bar.from >= since) return bar;
  return {
    ...bar,
    from: since,
    segments: bar.segments.filter((s) => s.to > since).map((s) => ({ ...s, from: Math.max(s.from, since) })),
    progress: bar.progress.filter((p) => p.at >= since),
  };
}

export function buildTimeline(input: TimelineInput): Timeline {
  const bySession = new Map<string, StatusEvent[]>();
  const coordinator: Marker[] = [];
  const markersByPhase = new Map<string, Marker[]>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of input.events) {
    const t = Date.parse(e.at);
    if (!Number.isFinite(t)) continue;
    first = Math.min(first, t);
    last = Math.max(last, t);
    const m = markerOf(e);
    if (!e.phase) {
      if (m) coordinator.push(m);
      continue;
    }
    if (m) (markersByPhase.get(e.phase) ?? markersByPhase.set(e.phase, []).get(e.phase)!).push(m);
    const key = `${e.phase}\0${e.session}`;
    (bySession.get(key) ?? bySession.set(key, []).get(key)!).push(e);
  }
  // Open sessions reach the reader's clock; a finished history ends at its last event, so any
  // clone draws the same axis for the same events.
  const starts = new Map<string, { session: string; at: number }[]>();
  for (const [key, evs] of bySession) {
    const [phase, session] = key.split('\0') as [string, string];
    const at = Date.parse((evs.find((e) => e.type === 'start') ?? evs[0]!).at);
    (starts.get(phase) ?? starts.set(phase, []).get(phase)!).push({ session, at });
  }
  const rowsRaw = new Map<string, SessionBar[]>();
  let open = false;
  for (const [key, evs] of bySession) {
    const [phase, session] = key.split('\0') as [string, string];
    const mine = starts.get(phase)!.find((s) => s.session === session)!.at;
    const later = starts.get(phase)!.filter((s) => s.at > mine).map((s) => s.at).sort((a, b) => a - b)[0];
    const bars = sessionBars(evs, input.heartbeatTimeout, Math.max(input.now, last), later);
    if (bars.some((b) => b.end === 'open')) open = true;
    (rowsRaw.get(phase) ?? rowsRaw.set(phase, []).get(phase)!).push(...bars);
  }
  const from = input.since ?? (Number.isFinite(first) ? first : input.now);
  let to = open ? Math.max(input.now, last) : Number.isFinite(last) ? last : input.now;
  if (to - from < 5_000) to = from + 5_000;
  const inWindow = (m: Marker) => m.at >= from;
  const rows: TimelineRow[] = [{ id: '', bars: [], markers: coordinator.filter(inWindow) }];
  for (const id of input.phases) {
    const bars = (rowsRaw.get(id) ?? [])
      .map((b) => (input.since !== undefined ? clip(b, input.since) : b))
      .filter((b): b is SessionBar => b !== undefined)
      .map((b) => (b.end === 'open' ? { ...b, to, segments: extendLast(b.segments, to) } : b))
      .sort((a, b) => a.from - b.from);
    rows.push({ id, bars, markers: (markersByPhase.get(id) ?? []).filter(inWindow) });
  }
  return { from, to, rows };
}

function extendLast(segments: Segment[], to: number): Segment[] {
  if (!segments.length) return segments;
  const out = segments.slice();
  const lastSeg = out[out.length - 1]!;
  if (lastSeg.to < to) out[out.length - 1] = { ...lastSeg, to };
  return out;
}
