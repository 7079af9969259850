/**
 * Who a session command speaks for: the phase worktree's marker (no plan read, so a heartbeat
 * stays cheap), or `--phase ID` from anywhere (the phase's current session).
 */
import type { RepoContext } from '../git/repo.js';
import { ParallelError, ExitCode, usageError } from '../errors.js';
import { ID_PATTERN } from '../core/plan.js';
import { readSessions } from './store.js';
import type { SessionRecord } from './types.js';

export interface SessionTarget {
  phase: string;
  session: string;
  /** Workspace (plan name); empty until the plan is read when acting with --phase. */
  workspace: string;
  /** Whether this runs inside that phase's own worktree. */
  inWorktree: boolean;
  reviewer: boolean;
}

export function resolveTarget(ctx: RepoContext, phaseOpt: unknown, command: string): SessionTarget {
  if (typeof phaseOpt === 'string') {
    if (!ID_PATTERN.test(phaseOpt)) throw usageError(`parallel: "${phaseOpt}" is not a phase id (ids look like [a-z][a-z0-9_-]*). Run "parallel status" to list the phases.`);
    if (ctx.marker?.phase === phaseOpt) {
      return { phase: phaseOpt, session: ctx.marker.session, workspace: ctx.marker.workspace, inWorktree: true, reviewer: Boolean(ctx.marker.reviewer) };
    }
    const current = latest(readSessions(ctx).filter((r) => r.phase === phaseOpt));
    return { phase: phaseOpt, session: current?.session ?? phaseOpt, workspace: current?.workspace ?? '', inWorktree: false, reviewer: false };
  }
  if (ctx.marker) {
    return { phase: ctx.marker.phase, session: ctx.marker.session, workspace: ctx.marker.workspace, inWorktree: true, reviewer: Boolean(ctx.marker.reviewer) };
  }
  throw new ParallelError(
    `parallel: "${command}" reports for a phase, and ${ctx.toplevel} is not a phase worktree. Run it inside the phase's worktree, or name the phase with "parallel ${command} --phase <id>".`,
    { exitCode: ExitCode.usage, code: 'usage' },
  );
}

function latest(records: SessionRecord[]): SessionRecord | undefined {
  return records.reduce<SessionRecord | undefined>((cur, r) => (!cur || r.started_at > cur.started_at ? r : cur), undefined);
}

/** `--meta key=value` pairs. */
export function parseMeta(values: unknown): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const list = Array.isArray(values) ? values : [values];
  const meta: Record<string, string> = {};
  for (const v of list) {
    const s = String(v);
    const eq = s.indexOf('=');
    if (eq <= 0) throw usageError(`parallel: --meta "${s}" is not key=value. Write it like --meta model=gpt-5 (repeat --meta for more).`);
    meta[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return meta;
}

/** `-p PCT`: a number from 0 to 100. */
export function parseProgress(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const s = String(value).replace(/%$/, '');
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw usageError(`parallel: progress "${String(value)}" must be a number from 0 to 100, like -p 60.`);
  return n;
}
