/**
 * Status events: the coordination store's unit. JSON with the timestamp first (so JSON lines
 * sort and merge by time), a unique id, and the workspace, phase and session it belongs to.
 */
export type EventType =
  | 'start'
  | 'heartbeat'
  | 'progress'
  | 'error'
  | 'task'
  | 'handoff'
  | 'done'
  | 'fail'
  | 'decision'
  | 'review'
  | 'commit'
  | 'integrate'
  | 'aborted'
  // Reported by a coding agent's hooks (`parallel agent-hook`).
  | 'attach'
  | 'waiting'
  | 'exited';

export interface StatusEvent {
  /** ISO-8601 UTC time written by the writer. Always the first key. */
  at: string;
  /** Unique per event (time + random). */
  id: string;
  type: EventType;
  workspace: string;
  /** Phase id; `""` for coordinator-wide events (decisions). */
  phase: string;
  /** Session id; `"coordinator"` for the coordinator's events. */
  session: string;
  message?: string;
  progress?: number;
  metadata?: Record<string, string>;
  /** Type-specific fields (commit oid, review verdict and tip, integrate result, ...). */
  [key: string]: unknown;
}

/** What a writer supplies; the store fills `at` and `id`. */
export type NewEvent = Omit<StatusEvent, 'at' | 'id'> & { at?: string };

/** Why an agent waits: a permission prompt, the end of its turn, or its process ended. */
export type WaitingReason = 'permission' | 'idle' | 'exited';

/** A review verdict, bound to the reviewed phase's tip at the time of the review. */
export interface ReviewVerdict {
  verdict: 'approve' | 'reject';
  /** The reviewed phase. */
  reviews: string;
  /** The reviewed phase's tip the verdict applies to; a later commit there makes it stale. */
  tip: string;
  message: string;
  at: string;
}

/**
 * The small current-state record of one session (`sessions/<phase>/<session>.json` in the
 * coordination ref). Always the fold of that session's events (`applyEvent`), so a merge of two
 * clones recomputes it from the union of events.
 */
export interface SessionRecord {
  phase: string;
  session: string;
  workspace: string;
  state: 'running' | 'done' | 'failed';
  progress?: number;
  message?: string;
  started_at: string;
  /** Every start of this session id, oldest first (a relay may come back to it). */
  starts?: string[];
  last_heartbeat: string;
  completed_at?: string;
  errors: number;
  last_error?: { at: string; message: string };
  /** Checklist ticks by item index (0-based); the latest tick or untick of an item wins. */
  tasks: Record<string, { done: boolean; at: string }>;
  handoff?: { at: string; message: string };
  output_files?: string[];
  review?: ReviewVerdict;
  metadata: Record<string, string>;
  /** Where the session was started: `<host>:<common git dir>` (tells "missing" from "another clone"). */
  origin?: string;
  /** The worktree path recorded by `start`. */
  worktree?: string;
  /** The agent waits for a person (set by a `waiting` or `exited` event, cleared by any sign of work). */
  waiting?: { reason: WaitingReason; message?: string; at: string };
  /** The agent attached by its hooks: its name and its own session id. */
  agent?: { name: string; session: string; at: string };
  /** Number of events of this session. */
  seq: number;
  /** Time of the last event. */
  updated_at: string;
}
