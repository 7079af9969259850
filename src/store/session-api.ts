/**
 * What session commands do, as functions (the CLI and the programmatic API share them): find who
 * a command speaks for (the phase worktree's marker, read without the plan so a heartbeat stays
 * cheap, or `--phase ID` from anywhere), record an event for it, resolve checklist items, run
 * checklist `verify` commands, find the tip a review applies to.
 */
import { resolveBase, type RepoContext } from '../git/repo.js';
import { startOverIfLeftOut } from '../lean.js';
import { gitTry } from '../git/git.js';
import { ParallelError, ExitCode, usageError, refused } from '../errors.js';
import type { Phase, Plan } from '../core/plan.js';
import type { NewEvent, StatusEvent } from './types.js';
import type { SessionRecord } from './types.js';
import { appendEvent, readSessions } from './store.js';

/** Phase and session ids (the same rule as the plan's ID_PATTERN; not imported, to keep a heartbeat's start-up small). */
const ID = /^[a-z][a-z0-9_-]{0,39}$/;

type EventBody = Omit<NewEvent, 'workspace' | 'phase' | 'session'>;

/** The committed plan, checking that the target phase is in it (fills the workspace name). */
export async function planFor(ctx: RepoContext, target: SessionTarget): Promise<Plan> {
  // The one place a session's report in the lean bundle starts over in the full one (src/lean.ts).
  const { readCommittedPlan } = await startOverIfLeftOut(() => import('../config/plan-source.js'));
  const { plan } = await readCommittedPlan(ctx, resolveBase(ctx));
  if (!plan.phases.some((p) => p.id === target.phase)) {
    throw new ParallelError(`parallel: the plan has no phase "${target.phase}". Phases: ${plan.phases.map((p) => p.id).join(', ')}.`, { exitCode: ExitCode.usage, code: 'usage' });
  }
  if (!target.workspace) target.workspace = plan.name;
  return plan;
}

/**
 * Record one event for the target (a phase from elsewhere is checked against the plan). Only a
 * `start` may create a session: any other event for a session with no record is refused, so a
 * heartbeat for a phase nobody started cannot make it look running.
 */
export async function record(ctx: RepoContext, target: SessionTarget, body: EventBody, checked?: Plan): Promise<StatusEvent> {
  // `checked`: the plan the caller already read for this target with planFor (not read twice).
  if (!checked && (!target.inWorktree || !target.workspace)) await planFor(ctx, target);
  const clean = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as EventBody;
  const who = target.session === target.phase ? `phase ${target.phase}` : `phase ${target.phase} (session ${target.session})`;
  const notStarted = body.type === 'start' ? undefined
    : refused(`parallel: ${who} is not started, so there is no session to record a ${body.type} for. Run "parallel start ${target.phase}" first.`, 'not_found');
  return appendEvent(ctx, { ...clean, workspace: target.workspace, phase: target.phase, session: target.session } as NewEvent, notStarted);
}

/** A checklist item by 1-based number, exact text, or a unique case-insensitive part of its text. */
export function resolveChecklistItem(phase: Phase, query: string): number {
  const items = phase.checklist;
  if (items.length === 0) throw refused(`parallel: phase "${phase.id}" has no checklist in the plan, so there is nothing to tick.`);
  const list = items.map((it, i) => `  ${i + 1}. ${it.text}`).join('\n');
  if (/^\d+$/.test(query)) {
    const n = Number(query);
    if (n < 1 || n > items.length) throw usageError(`parallel: phase "${phase.id}" has ${items.length} checklist item${items.length === 1 ? '' : 's'}; there is no item ${n}. The checklist:\n${list}`);
    return n - 1;
  }
  const exact = items.findIndex((it) => it.text === query);
  if (exact >= 0) return exact;
  const q = query.toLowerCase();
  const hits = items.map((it, i) => (it.text.toLowerCase().includes(q) ? i : -1)).filter((i) => i >= 0);
  if (hits.length === 1) return hits[0]!;
  throw usageError(`parallel: "${query}" ${hits.length ? 'matches several' : 'matches no'} checklist item${hits.length ? 's' : ''} of "${phase.id}". Name it by number:\n${list}`);
}

/**
 * Run the phase's checklist `verify` commands in its worktree; returns a refusal message for the
 * first that fails, or undefined when all pass (or there are none).
 */
export async function runVerifyCommands(ctx: RepoContext, target: SessionTarget, phase: Phase, say: (line: string) => void): Promise<string | undefined> {
  const checks = phase.checklist.map((it, i) => ({ ...it, n: i + 1 })).filter((it) => it.verify);
  if (checks.length === 0) return undefined;
  let cwd = target.inWorktree ? ctx.toplevel : undefined;
  if (!cwd) {
    const { phaseWorktrees } = await import('./gather.js');
    const wt = phaseWorktrees(ctx.commonDir).get(phase.id);
    if (!wt || !wt.exists) {
      return `parallel: phase "${phase.id}" has checklist verify commands, and its worktree is not on this clone, so they cannot run here. Run "parallel done" inside the phase's worktree.`;
    }
    cwd = wt.path;
  }
  const { runCommand, commandEnv } = await import('../worktrees/run-command.js');
  for (const item of checks) {
    say(`parallel: verify ${item.n}. ${item.text}: ${item.verify}`);
    const out = await runCommand(item.verify!, { cwd, env: commandEnv({ PARALLEL_PHASE: phase.id, PARALLEL_SESSION: target.session }) });
    if (out.interrupted) return `parallel: interrupted while running verify "${item.verify}"; "${phase.id}" is not marked done.`;
    if (out.code !== 0) {
      const why = out.spawnError ? `could not start (${out.spawnError})` : out.timedOut ? 'timed out' : `exited with ${out.code}`;
      return `parallel: checklist item ${item.n} ("${item.text}") is not verified: "${item.verify}" ${why}. "${phase.id}" is not marked done; fix it and run "parallel done" again.`;
    }
  }
  return undefined;
}

/** The reviewed phase's current tip (a verdict binds to it). */
export function reviewedTip(ctx: RepoContext, reviews: string): string {
  const tip = gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/parallel/${reviews}^{commit}`], { cwd: ctx.toplevel });
  if (!tip) throw refused(`parallel: phase "${reviews}" has no branch (parallel/${reviews}) yet, so there is nothing to review. Wait until it is started and done.`);
  return tip;
}

export interface SessionTarget {
  phase: string;
  session: string;
  /** Workspace (plan name); empty until the plan is read when acting with --phase. */
  workspace: string;
  /** Whether this runs inside that phase's own worktree. */
  inWorktree: boolean;
  reviewer: boolean;
}

/** The `command` name src/api.ts passes: the library's SessionTracker, not a CLI command. */
export const API_COMMAND = 'SessionTracker';

/**
 * Inside a phase worktree, a session speaks for that phase only (SPEC, "Who may do what"): naming
 * another one with --phase (marking it failed, approving one's own work through the reviewer) is
 * refused. The main worktree, other worktrees and scripts may name any phase.
 */
export function otherPhaseRefused(ctx: Pick<RepoContext, 'marker' | 'mainWorktree'>, command: string, phase: string): ParallelError {
  const here = ctx.marker!.phase;
  if (command === API_COMMAND) {
    // A script gets the fix in its own terms: there is no "parallel SessionTracker" command.
    return refused(`parallel: this is the worktree of phase ${here}, and new SessionTracker({ phase: '${phase}' }) would act for another phase. Inside a phase worktree, a SessionTracker acts for that phase only. Run the script in the worktree of ${phase}, or aim it at the main worktree: new SessionTracker({ phase: '${phase}', cwd: ${JSON.stringify(ctx.mainWorktree)} }).`);
  }
  return refused(`parallel: this is the worktree of phase ${here}, and "${command} --phase ${phase}" would act for another phase. Inside a phase worktree, "${command}" acts for that phase only${command === 'review' ? ' (a verdict comes from the reviewer phase\'s own worktree or from the coordinator)' : ''}. Run it in the worktree of ${phase}, or from the main worktree: cd '${ctx.mainWorktree.replace(/'/g, "'\\''")}' && parallel ${command} --phase ${phase} ...`);
}

export function resolveTarget(ctx: RepoContext, phaseOpt: unknown, command: string): SessionTarget {
  if (typeof phaseOpt === 'string') {
    if (!ID.test(phaseOpt)) throw usageError(`parallel: "${phaseOpt}" is not a phase id (ids look like [a-z][a-z0-9_-]*). Run "parallel status" to list the phases.`);
    if (ctx.marker?.phase === phaseOpt) {
      return { phase: phaseOpt, session: ctx.marker.session, workspace: ctx.marker.workspace, inWorktree: true, reviewer: Boolean(ctx.marker.reviewer) };
    }
    if (ctx.marker) throw otherPhaseRefused(ctx, command, phaseOpt);
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
