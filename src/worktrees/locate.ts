/**
 * Which phase worktree a session command means: the one it runs in (its marker), or the one
 * named with `--phase ID` / `exec <phase>` from anywhere in the repository.
 */
import { refused, usageError, type ParallelError } from '../errors.js';
import { ID_PATTERN, phaseById, type PhaseId, type Plan } from '../core/plan.js';
import { resolveBase, type PhaseMarker, type RepoContext } from '../git/repo.js';
import { readCommittedPlan } from '../config/plan-source.js';
import { phaseWorktreeMap } from './layout.js';
import { otherPhaseRefused } from '../store/session-api.js';

export interface PhaseLocation {
  phase: PhaseId;
  session: string;
  marker: PhaseMarker;
  /** Top of the phase's worktree. */
  path: string;
  /** True when the command runs inside that worktree. */
  here: boolean;
}

export function checkPhaseId(id: string, what = 'phase id'): void {
  if (!ID_PATTERN.test(id)) throw usageError(`parallel: "${id}" is not a valid ${what} (lowercase letters, digits, "-" and "_", starting with a letter, at most 40). Run "parallel status" to list the phases.`);
}

/** A usage error (exit 2) for an id the committed plan does not have, listing the ids it has. */
export function unknownPhase(plan: Plan, base: string, id: string): ParallelError {
  const ids = plan.phases.map((p) => p.id);
  return usageError(`parallel: there is no phase "${id}" in the plan committed on ${base}; its phases are: ${ids.join(', ') || '(none)'}. Check the id ("parallel status" lists them).`);
}

/**
 * The phase worktree named by `phase`, or the current one. Exit 2 when the committed plan has no
 * such phase, exit 1 when it has one but this clone has no worktree for it.
 */
export async function locatePhase(ctx: RepoContext, phase: string | undefined, command: string): Promise<PhaseLocation> {
  if (phase === undefined || phase === ctx.marker?.phase) {
    if (!ctx.marker) {
      throw refused(`parallel: ${ctx.toplevel} is not a phase worktree, so "${command}" has no phase to act for. Run it inside a phase worktree (made by "parallel start"), or name the phase with --phase <id>.`);
    }
    return { phase: ctx.marker.phase, session: ctx.marker.session, marker: ctx.marker, path: ctx.toplevel, here: true };
  }
  checkPhaseId(phase);
  if (ctx.marker) throw otherPhaseRefused(ctx, command, phase);
  const wt = phaseWorktreeMap(ctx.commonDir).get(phase);
  if (!wt) {
    const base = resolveBase(ctx);
    const plan = await readCommittedPlan(ctx, base).then((c) => c.plan, () => undefined);
    if (plan && !phaseById(plan, phase)) throw unknownPhase(plan, base, phase);
  }
  if (!wt) throw refused(`parallel: phase ${phase} has no worktree on this clone. Start it with "parallel start ${phase}" (or check the id with "parallel status").`);
  if (wt.missing) throw refused(`parallel: the worktree of ${phase} at ${wt.path} was deleted by hand. Recreate it with "parallel start ${phase}", or clear it with "parallel prune".`);
  return { phase, session: wt.marker.session, marker: wt.marker, path: wt.path, here: false };
}
