/**
 * `parallel status`: the dashboard, once, or `--watch` (redraw on a TTY, append on a pipe, Ctrl-C
 * exits 0), or `--wait` (return when no started phase is running or stale: exit 0, 1 when one
 * failed or timed out, 3 at `--timeout`, 130 when interrupted by Ctrl-C).
 */
import type { CommandInput, CommandResult } from '../command.js';
import { usageError, ExitCode } from '../errors.js';
import { resolveBase } from '../git/repo.js';
import { openRepoFast } from '../store/fast-context.js';
import { renamedPhaseBranches } from '../git/phase-reflog.js';
import { readCommittedPlan } from '../config/plan-source.js';
import { durationProblem, parseDuration, formatDuration } from '../core/duration.js';
import { computeWaves } from '../core/graph.js';
import { countStates, type Counts, type PhaseRow } from '../core/phase-state.js';
import { renderDashboard } from '../core/dashboard.js';
import { colors } from '../cli/colors.js';
import { gatherPhaseStates } from '../store/gather.js';
import { pause, waitForPhases } from '../store/wait.js';

/** Exit status of `status --wait` stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it). */
const INTERRUPTED = 130;

function durationOpt(input: CommandInput, name: string): number | undefined {
  const v = input.opts[name];
  if (typeof v !== 'string') return undefined;
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw usageError(`parallel: --${name} "${v}" is not a duration. Write it like 90s, 5m or 2h.`);
  const problem = durationProblem(ms);
  if (problem) throw usageError(`parallel: --${name} ${v} ${problem}. Use at most 24d.`);
  return ms;
}

interface Snapshot {
  rows: PhaseRow[];
  counts: Counts;
  data: Record<string, unknown>;
  text: string;
}

export async function run(input: CommandInput): Promise<CommandResult> {
  const heartbeatTimeout = durationOpt(input, 'heartbeat-timeout');
  const sessionTimeout = durationOpt(input, 'session-timeout');
  const interval = durationOpt(input, 'interval') ?? 5000;
  const timeout = durationOpt(input, 'timeout');
  if (input.opts.timeout !== undefined && !input.opts.wait) throw usageError('parallel: --timeout only applies to --wait. Run "parallel status --wait --timeout 2h".');
  if (input.opts.watch && input.opts.wait) throw usageError('parallel: use either --watch or --wait, not both.');

  const ctx = openRepoFast(input.cwd);
  const base = resolveBase(ctx);
  const { plan } = await readCommittedPlan(ctx, base);
  const waves = computeWaves(plan.phases).length;
  const c = input.io.color ? colors(true) : undefined;

  const snapshot = async (): Promise<Snapshot> => {
    const now = Date.now();
    const { rows } = await gatherPhaseStates(ctx, plan, base, { now, heartbeatTimeout, sessionTimeout });
    const counts = countStates(rows);
    // A phase branch renamed away and back went past the hooks (git branch -m runs none).
    const warnings = [...renamedPhaseBranches(ctx.commonDir, plan.phases.map((p) => p.id)).keys()]
      .map((id) => `parallel/${id} was renamed away and back (its reflog shows "git branch -m"), so commits made meanwhile passed no hook; "parallel verify ${id}" checks them (integrate does too)`);
    const data = { name: plan.name, base, waves, counts, phases: rows, polled_at: new Date(now).toISOString(), ...(warnings.length ? { warnings } : {}) };
    const text = renderDashboard({ name: plan.name, base, waves, rows, counts, now, color: c });
    return { rows, counts, data, text: warnings.length ? `${text}\n${warnings.map((w) => `WARNING: ${w}`).join('\n')}` : text };
  };

  if (input.opts.watch) return watch(input, snapshot, interval);
  if (input.opts.wait) return wait(input, snapshot, interval, timeout);
  const snap = await snapshot();
  return { data: snap.data, text: snap.text };
}

/** An AbortSignal that Ctrl-C (or SIGTERM) aborts, while the returned release has not run. */
function onInterrupt(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const handler = () => controller.abort();
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

async function watch(input: CommandInput, snapshot: () => Promise<Snapshot>, interval: number): Promise<CommandResult> {
  const { signal, release } = onInterrupt();
  try {
    let first = true;
    while (!signal.aborted) {
      const snap = await snapshot();
      if (input.json) input.io.out(JSON.stringify({ schema: 1, ok: true, ...snap.data }));
      else if (input.io.isTTY) input.io.out(`\u001b[H\u001b[2J${snap.text}\n(watching every ${formatDuration(interval)}; Ctrl-C to stop)`);
      else input.io.out(`${first ? '' : '\n'}${snap.text}`);
      first = false;
      await pause(interval, signal);
    }
  } finally {
    release();
  }
  // Everything is already printed; Ctrl-C is the normal way out.
  return { exitCode: ExitCode.ok, streamed: true };
}

async function wait(input: CommandInput, snapshot: () => Promise<Snapshot>, interval: number, timeout: number | undefined): Promise<CommandResult> {
  const { signal, release } = onInterrupt();
  let lastLine = '';
  try {
    const { outcome, snapshot: snap, waitedMs, busy } = await waitForPhases(snapshot, (s) => s.rows, {
      interval, signal, ...(timeout !== undefined ? { timeout } : {}),
      // CI-friendly progress: one line on stderr whenever the picture changes.
      onPoll: (_, waiting) => {
        const line = `parallel: waiting for ${waiting.map((r) => `${r.id} ${Math.round(r.progress)}%${r.state === 'stale' ? ' (stale)' : ''}`).join(', ')}`;
        if (line !== lastLine) input.io.err(line);
        lastLine = line;
      },
    });
    const data = { ...snap.data, waited_ms: waitedMs, timed_out: outcome === 'timed_out', ...(outcome === 'interrupted' ? { interrupted: true } : {}) };
    if (outcome === 'ok' || outcome === 'failed') {
      const bad = snap.rows.filter((r) => r.state === 'failed' || r.state === 'timed_out' || r.state === 'missing').map((r) => `${r.id} (${r.state})`);
      const verdict = outcome === 'failed' ? `parallel: finished with problems: ${bad.join(', ')}.` : 'parallel: no phase is running; none failed.';
      return { exitCode: outcome === 'failed' ? ExitCode.refused : ExitCode.ok, data, text: `${snap.text}\n${verdict}` };
    }
    if (outcome === 'waiting') {
      const why = snap.rows.filter((r) => r.state === 'waiting').map((r) => `${r.id} (${r.waiting_reason}${r.waiting?.message ? `: ${r.waiting.message}` : ''})`);
      return { exitCode: ExitCode.needsPerson, data, text: `${snap.text}\nparallel: a session needs a person: ${why.join(', ')}.` };
    }
    const still = busy.map((r) => `${r.id} (${r.state})`).join(', ');
    if (outcome === 'interrupted') {
      // Not the wait's timeout (exit 3): the usual exit status of a command stopped by Ctrl-C.
      input.io.err(`parallel: interrupted while waiting for ${still}; nothing was decided.`);
      return { exitCode: INTERRUPTED, data, text: snap.text };
    }
    return { exitCode: ExitCode.timedOut, data, text: `${snap.text}\nparallel: timed out after ${formatDuration(timeout!)} waiting for ${still}.` };
  } finally {
    release();
  }
}
