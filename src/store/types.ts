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
  | 'aborted';

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
