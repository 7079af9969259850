/**
 * Whether a phase branch carries any work. SPEC calls a phase integrated when its tip is
 * reachable from base, which is also true of a phase started a minute ago with no commit yet: its
 * tip is the commit it branched from. Such a phase has delivered nothing, so it does not satisfy
 * `needs` and `prune` must not take it for finished. git's reflog of the branch records where it
 * was created; a tip still there means nothing was committed on it.
 */
import { git } from '../git/git.js';
import { phaseBranch, type PhaseId } from '../core/plan.js';

/** The phases (of `ids`, with branch tips in `tips`) whose branch is still where it was created. */
export function phasesWithoutWork(cwd: string, ids: readonly PhaseId[], tips: ReadonlyMap<PhaseId, string>): Set<PhaseId> {
  const out = new Set<PhaseId>();
  for (const id of ids) {
    const tip = tips.get(id);
    if (!tip) continue;
    const res = git(['reflog', 'show', '--format=%H', `refs/heads/${phaseBranch(id)}`, '--'], { cwd, okCodes: [0, 128] });
    const lines = res.stdout.split('\n').filter(Boolean);
    // No reflog (expired, or logAllRefUpdates off): nothing to go by, so trust the refs.
    if (res.exitCode === 0 && lines.length > 0 && lines[lines.length - 1] === tip) out.add(id);
  }
  return out;
}
