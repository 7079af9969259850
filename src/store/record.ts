/**
 * The session record as a fold of its events (pure). The write path applies one event to the
 * stored record; a merge of two clones folds the union of events again, so both give the same
 * record for the same events.
 */
import type { SessionRecord, StatusEvent } from './types.js';

/** Events that belong to the coordinator, never to a session record. */
export const COORDINATOR_SESSION = 'coordinator';

/** Whether an event updates (or creates) a session record. */
export function hasRecord(ev: Pick<StatusEvent, 'phase' | 'session' | 'type'>): boolean {
  return ev.phase !== '' && ev.session !== COORDINATOR_SESSION && ev.type !== 'decision';
}

/** Order events the way every reader shows them: by time, then id. */
export function compareEvents(a: StatusEvent, b: StatusEvent): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function fresh(ev: StatusEvent): SessionRecord {
  return {
    phase: ev.phase,
    session: ev.session,
    workspace: ev.workspace,
    state: 'running',
    started_at: ev.at,
    last_heartbeat: ev.at,
    errors: 0,
    tasks: {},
    metadata: {},
    seq: 0,
    updated_at: ev.at,
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Apply one event to a session's record (a new record when `rec` is undefined). */
export function applyEvent(rec: SessionRecord | undefined, ev: StatusEvent): SessionRecord {
  const r: SessionRecord = rec ? { ...rec, tasks: { ...rec.tasks }, metadata: { ...rec.metadata } } : fresh(ev);
  r.seq += 1;
  if (ev.at > r.updated_at) r.updated_at = ev.at;
  if (ev.workspace) r.workspace = ev.workspace;
  const open = r.state === 'running';
  if (ev.metadata && (open || ev.type === 'start' || ev.type === 'done')) Object.assign(r.metadata, ev.metadata);
  switch (ev.type) {
    case 'start':
      // Only a new start reopens a phase. A session id used before (a relay back to it) starts
      // fresh: nothing of its earlier run's progress, message, errors, outputs or verdict stays.
      // Checklist ticks and the handoff belong to the phase and carry over.
      if (rec) {
        delete r.progress;
        delete r.message;
        delete r.last_error;
        delete r.output_files;
        delete r.review;
        r.errors = 0;
        r.metadata = { ...ev.metadata };
      }
      r.starts = [...(rec ? rec.starts ?? [rec.started_at] : []), ev.at];
      r.state = 'running';
      delete r.waiting;
      r.started_at = ev.at;
      r.last_heartbeat = ev.at;
      delete r.completed_at;
      if (str(ev.origin)) r.origin = str(ev.origin);
      if (str(ev.worktree)) r.worktree = str(ev.worktree);
      if (ev.message !== undefined) r.message = ev.message;
      break;
    case 'heartbeat':
    case 'progress':
    case 'commit':
    case 'attach':
      // A heartbeat on a done or failed phase is recorded but changes nothing.
      if (!open) break;
      if (ev.at > r.last_heartbeat) r.last_heartbeat = ev.at;
      // Any sign of work after a wait means the agent runs again (the latest event wins).
      if (r.waiting && ev.at >= r.waiting.at) delete r.waiting;
      if (ev.type === 'attach' && str(ev.agent) && str(ev.agent_session)) r.agent = { name: str(ev.agent)!, session: str(ev.agent_session)!, at: ev.at };
      if (typeof ev.progress === 'number') r.progress = ev.progress;
      if (ev.message !== undefined && ev.type !== 'commit') r.message = ev.message;
      break;
    case 'error':
      r.errors += 1;
      r.last_error = { at: ev.at, message: ev.message ?? '' };
      if (open && ev.at > r.last_heartbeat) r.last_heartbeat = ev.at;
      break;
    case 'task': {
      const item = ev.item;
      if (typeof item === 'number') {
        const prev = r.tasks[String(item)];
        if (!prev || prev.at <= ev.at) r.tasks[String(item)] = { done: ev.undo !== true, at: ev.at };
      }
      if (open && ev.at > r.last_heartbeat) r.last_heartbeat = ev.at;
      break;
    }
    case 'handoff':
      r.handoff = { at: ev.at, message: ev.message ?? '' };
      break;
    case 'done':
      r.state = 'done';
      r.progress = 100;
      r.completed_at = ev.at;
      if (ev.message !== undefined) r.message = ev.message;
      if (Array.isArray(ev.output_files)) r.output_files = (ev.output_files as unknown[]).map(String);
      break;
    case 'fail':
      r.state = 'failed';
      r.completed_at = ev.at;
      if (ev.message !== undefined) r.message = ev.message;
      break;
    case 'review':
      if ((ev.verdict === 'approve' || ev.verdict === 'reject') && str(ev.tip) && str(ev.reviews)) {
        r.review = { verdict: ev.verdict, reviews: str(ev.reviews)!, tip: str(ev.tip)!, message: ev.message ?? '', at: ev.at };
        // A verdict is what a reviewer session delivers: it finishes the session (status --wait
        // stops waiting for it). A later verdict on a newer tip replaces this one.
        if (r.state !== 'failed') {
          r.state = 'done';
          r.progress = 100;
          r.completed_at = ev.at;
          if (ev.message !== undefined) r.message = ev.message;
        }
      }
      if (open && ev.at > r.last_heartbeat) r.last_heartbeat = ev.at;
      break;
    case 'waiting':
    case 'exited': {
      if (!open) break;
      const reason = ev.type === 'exited' ? 'exited' : ev.reason;
      if ((reason === 'permission' || reason === 'idle' || reason === 'exited') && (!r.waiting || ev.at >= r.waiting.at)) {
        r.waiting = { reason, at: ev.at, ...(ev.message !== undefined ? { message: ev.message } : {}) };
      }
      if (ev.at > r.last_heartbeat) r.last_heartbeat = ev.at;
      break;
    }
    default:
      // integrate, aborted and unknown types are history only.
      break;
  }
  return r;
}

/** The record of a session from all its events (any order). */
export function foldEvents(events: readonly StatusEvent[]): SessionRecord | undefined {
  let rec: SessionRecord | undefined;
  for (const ev of [...events].sort(compareEvents)) rec = applyEvent(rec, ev);
  return rec;
}
