/**
 * Waiting for the phases: poll until no started phase is running or stale, the wait's own timeout,
 * or an abort (Ctrl-C). One loop serves `parallel status --wait` and the API's SessionMonitor.wait.
 */
import { anyFailed, waitIsOver, waitingRows, type PhaseRow } from '../core/phase-state.js';

/**
 * `ok`: nothing running and none failed; `failed`: something failed, timed out or went missing;
 * `waiting`: a phase's agent waits for a person (checked first);
 * `timed_out`: the wait's own timeout; `interrupted`: the signal aborted (Ctrl-C).
 */
export type WaitOutcome = 'ok' | 'failed' | 'timed_out' | 'interrupted' | 'waiting';

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface WaitOptions<S> {
  /** Give up after this many ms (outcome `timed_out`). */
  timeout?: number;
  /** Poll interval in ms (default 5000). */
  interval?: number;
  signal?: AbortSignal;
  /** Called after each poll that does not end the wait, with the phases still running or stale. */
  onPoll?: (snapshot: S, busy: PhaseRow[]) => void;
}

export async function waitForPhases<S>(poll: () => Promise<S>, rowsOf: (s: S) => PhaseRow[], opts: WaitOptions<S> = {}): Promise<{ outcome: WaitOutcome; snapshot: S; waitedMs: number; busy: PhaseRow[] }> {
  const started = Date.now();
  const interval = opts.interval ?? 5000;
  for (;;) {
    const snapshot = await poll();
    const rows = rowsOf(snapshot);
    const elapsed = Date.now() - started;
    const busy = rows.filter((r) => r.state === 'running' || r.state === 'stale');
    if (waitingRows(rows).length) return { outcome: 'waiting', snapshot, waitedMs: elapsed, busy };
    if (waitIsOver(rows)) return { outcome: anyFailed(rows) ? 'failed' : 'ok', snapshot, waitedMs: elapsed, busy };
    if (opts.signal?.aborted) return { outcome: 'interrupted', snapshot, waitedMs: elapsed, busy };
    if (opts.timeout !== undefined && elapsed >= opts.timeout) return { outcome: 'timed_out', snapshot, waitedMs: elapsed, busy };
    opts.onPoll?.(snapshot, busy);
    await pause(opts.timeout === undefined ? interval : Math.min(interval, Math.max(0, opts.timeout - elapsed)), opts.signal);
  }
}
