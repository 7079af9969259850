/**
 * Which phase worktree a session command means: the one it runs in (its marker), or the one
 * named with `--phase ID` / `exec <phase>` from anywhere in the repository.
 */
import { refused, usageError } from '../errors.js';
import { ID_PATTERN, type PhaseId } from '../core/plan.js';
import type { PhaseMarker, RepoContext } from '../git/repo.js';
import { phaseWorktreeMap } from './layout.js';

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

/** The phase worktree named by `phase`, or the current one. Exit 1 when there is none. */
export function locatePhase(ctx: RepoContext, phase: string | undefined, command: string): PhaseLocation {
  if (phase === undefined || phase === ctx.marker?.phase) {
    if (!ctx.marker) {
      throw refused(`parallel: ${ctx.toplevel} is not a phase worktree, so "${command}" has no phase to act for. Run it inside a phase worktree (made by "parallel start"), or name the phase with --phase <id>.`);
    }
    return { phase: ctx.marker.phase, session: ctx.marker.session, marker: ctx.marker, path: ctx.toplevel, here: true };
  }
  checkPhaseId(phase);
  const wt = phaseWorktreeMap(ctx.commonDir).get(phase);
  if (!wt) throw refused(`parallel: phase ${phase} has no worktree on this clone. Start it with "parallel start ${phase}" (or check the id with "parallel status").`);
  if (wt.missing) throw refused(`parallel: the worktree of ${phase} at ${wt.path} was deleted by hand. Recreate it with "parallel start ${phase}", or clear it with "parallel prune".`);
  return { phase, session: wt.marker.session, marker: wt.marker, path: wt.path, here: false };
}
