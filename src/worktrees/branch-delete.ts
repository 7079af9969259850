/**
 * Deleting a phase branch, and remembering that `prune` did so: a later phase that needs it
 * then still counts it as integrated (its work is in base; the branch is just gone).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, NO_HOOKS } from '../git/git.js';
import { phaseBranch, type PhaseId } from '../core/plan.js';

/** Delete `parallel/<id>` only if it is still at `tip` (compare-and-swap). Returns git's complaint on failure. */
export function deletePhaseBranch(cwd: string, id: PhaseId, tip: string): string | undefined {
  const res = git([...NO_HOOKS, 'update-ref', '-d', `refs/heads/${phaseBranch(id)}`, tip], { cwd, okCodes: [0, 1, 128] });
  return res.exitCode === 0 ? undefined : res.stderr.trim() || `update-ref exited ${res.exitCode}`;
}

/** `<common dir>/parallel/pruned/<id>`: the tip the branch had when it was deleted as integrated. */
export function recordPruned(commonDir: string, id: PhaseId, tip: string): void {
  const dir = join(commonDir, 'parallel', 'pruned');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, id), `${tip}\n`);
}

/** Of `ids`, the phases whose branches were deleted as integrated (by `prune` or `remove --delete-branch`). */
export function prunedPhases(commonDir: string, ids: readonly PhaseId[]): Set<PhaseId> {
  return new Set(ids.filter((id) => existsSync(join(commonDir, 'parallel', 'pruned', id))));
}
