/**
 * The programmatic API of `parallel`, for Node scripts and tools that report from code (a batch
 * job reporting progress from its loop, an agent harness). The CLI's session commands and
 * `status` are thin layers over the same functions.
 *
 *   import { SessionTracker, SessionMonitor } from 'git-parallel';
 *   const t = new SessionTracker({ phase: 'import' });
 *   await t.start();
 *   for (const [i, batch] of batches.entries()) {
 *     await load(batch);
 *     await t.heartbeat({ progress: (100 * (i + 1)) / batches.length, message: `batch ${i + 1}` });
 *   }
 *   await t.done({ message: 'imported', metadata: { rows: String(total) } });
 */
import { openRepo, resolveBase, type RepoContext } from './git/repo.js';
import { ParallelError, ExitCode, usageError, refused } from './errors.js';
import { readCommittedPlan } from './config/plan-source.js';
import { countStates, type Counts, type PhaseRow, type PhaseState } from './core/phase-state.js';
import { pause, waitForPhases, type WaitOutcome } from './store/wait.js';
import { gatherPhaseStates } from './store/gather.js';
import { readEvents } from './store/store.js';
import { API_COMMAND, resolveTarget, record, planFor, runVerifyCommands, type SessionTarget } from './store/session-api.js';
import type { StatusEvent, SessionRecord } from './store/types.js';
import { ID_PATTERN } from './core/plan.js';

export type { StatusEvent, SessionRecord, PhaseRow, PhaseState, Counts, WaitOutcome };
export { ParallelError, ExitCode };

export interface TrackerOptions {
  /** The phase reported for (default: the phase of the worktree `cwd` is in). */
  phase?: string;
  /** The session id (default: the worktree's session, else the phase's current one, else the phase id). */
  session?: string;
  /** Any directory inside the repository or one of its worktrees (default: process.cwd()). */
  cwd?: string;
  /** Metadata attached to every event (merged under each call's own). */
  metadata?: Record<string, string>;
}

export interface HeartbeatInput {
  /** Percent done, 0-100. */
  progress?: number;
  message?: string;
  metadata?: Record<string, string>;
}

/** Reports one session's status to the coordination ref (`refs/notes/parallel`). */
export class SessionTracker {
  private readonly ctx: RepoContext;
  private readonly target: SessionTarget;
  private readonly metadata: Record<string, string>;

  constructor(opts: TrackerOptions = {}) {
    this.ctx = openRepo(opts.cwd ?? process.cwd());
    if (opts.session !== undefined && !ID_PATTERN.test(opts.session)) throw usageError(`parallel: "${opts.session}" is not a session id (ids look like [a-z][a-z0-9_-]*).`);
    this.target = resolveTarget(this.ctx, opts.phase, API_COMMAND);
    if (opts.session) this.target.session = opts.session;
    this.metadata = { ...opts.metadata };
  }

  get phase(): string {
    return this.target.phase;
  }

  get session(): string {
    return this.target.session;
  }

  private meta(extra?: Record<string, string>): Record<string, string> | undefined {
    const m = { ...this.metadata, ...extra };
    return Object.keys(m).length ? m : undefined;
  }

  /**
   * Record a `start`: the session begins (or reopens) the phase. Creates no worktree. The relay
   * rule of `parallel start --session` applies: another session may take the phase over only
   * once the current one is done, integrated, failed, stale, timed out or missing (else a
   * ParallelError, exit code 1).
   */
  async start(opts: { message?: string; metadata?: Record<string, string> } = {}): Promise<StatusEvent> {
    const plan = await planFor(this.ctx, this.target);
    const [{ phaseStates }, { RELAY_STATES }] = await Promise.all([import('./store/store.js'), import('./worktrees/start-steps.js')]);
    const current = (await phaseStates(this.ctx, plan)).get(this.target.phase);
    if (current && current.state !== 'pending' && current.session !== this.target.session && !RELAY_STATES.has(current.state)) {
      throw refused(`parallel: phase ${this.target.phase} is ${current.state} under session ${current.session}, so session ${this.target.session} cannot start it. A relay is allowed once that session is done, failed, stale or timed out: ask it to run "parallel handoff" and "parallel done" or "parallel fail".`);
    }
    return record(this.ctx, this.target, { type: 'start', message: opts.message, metadata: this.meta(opts.metadata) });
  }

  async heartbeat(input: HeartbeatInput = {}): Promise<StatusEvent> {
    if (input.progress !== undefined && !(input.progress >= 0 && input.progress <= 100)) throw usageError(`parallel: progress ${input.progress} must be from 0 to 100.`);
    return record(this.ctx, this.target, { type: 'heartbeat', progress: input.progress, message: input.message, metadata: this.meta(input.metadata) });
  }

  /** A non-fatal error: recorded, counted, shown; the phase keeps running. */
  async error(message: string): Promise<StatusEvent> {
    return record(this.ctx, this.target, { type: 'error', message });
  }

  /** Finish the phase. Runs the checklist's `verify` commands first unless `verify: false`. */
  async done(opts: { message?: string; outputs?: string[]; metadata?: Record<string, string>; verify?: boolean } = {}): Promise<StatusEvent> {
    if (opts.verify !== false) {
      const plan = await planFor(this.ctx, this.target);
      const phase = plan.phases.find((p) => p.id === this.target.phase)!;
      const failure = await runVerifyCommands(this.ctx, this.target, phase, () => undefined);
      if (failure) throw new ParallelError(failure, { exitCode: ExitCode.refused });
    }
    return record(this.ctx, this.target, { type: 'done', message: opts.message, metadata: this.meta(opts.metadata), ...(opts.outputs ? { output_files: opts.outputs } : {}) });
  }

  async fail(message: string): Promise<StatusEvent> {
    return record(this.ctx, this.target, { type: 'fail', message });
  }

  /** Attach metadata (kept in the status JSON) with a heartbeat that changes nothing else. */
  async setMetadata(metadata: Record<string, string>): Promise<StatusEvent> {
    return record(this.ctx, this.target, { type: 'heartbeat', metadata });
  }
}

export interface MonitorOptions {
  cwd?: string;
  /** Override the plan's timeouts (ms). */
  heartbeatTimeout?: number;
  sessionTimeout?: number;
}

/** What `parallel status --json` prints. */
export interface StatusSnapshot {
  name: string;
  base: string;
  counts: Counts;
  phases: PhaseRow[];
  polled_at: string;
}

export interface WaitResult {
  /**
   * `ok`: nothing running and none failed; `failed`: something failed or timed out; `timed_out`:
   * the wait's own timeout; `interrupted`: the signal aborted.
   */
  outcome: WaitOutcome;
  snapshot: StatusSnapshot;
}

/** Reads every phase's state, as `parallel status` does. */
export class SessionMonitor {
  private readonly ctx: RepoContext;
  private readonly opts: MonitorOptions;

  constructor(opts: MonitorOptions = {}) {
    this.ctx = openRepo(opts.cwd ?? process.cwd());
    this.opts = opts;
  }

  async poll(): Promise<StatusSnapshot> {
    const base = resolveBase(this.ctx);
    const { plan } = await readCommittedPlan(this.ctx, base);
    const now = Date.now();
    const { rows } = await gatherPhaseStates(this.ctx, plan, base, { now, heartbeatTimeout: this.opts.heartbeatTimeout, sessionTimeout: this.opts.sessionTimeout });
    return { name: plan.name, base, counts: countStates(rows), phases: rows, polled_at: new Date(now).toISOString() };
  }

  /** A snapshot every `interval` ms until `signal` aborts (or the loop is left). */
  async *watch(opts: { interval?: number; signal?: AbortSignal } = {}): AsyncGenerator<StatusSnapshot> {
    while (!opts.signal?.aborted) {
      yield await this.poll();
      if (opts.signal?.aborted) return;
      await pause(opts.interval ?? 5000, opts.signal);
    }
  }

  /** Resolve when no started phase is running or stale, at `timeout` ms, or when `signal` aborts (the loop of `status --wait`). */
  async wait(opts: { timeout?: number; interval?: number; signal?: AbortSignal } = {}): Promise<WaitResult> {
    const { outcome, snapshot } = await waitForPhases(() => this.poll(), (s) => s.phases, opts);
    return { outcome, snapshot };
  }

  /** The event history, oldest first (one phase, or all). */
  async events(phase?: string): Promise<StatusEvent[]> {
    return readEvents(this.ctx, phase === undefined ? {} : { phase });
  }
}
