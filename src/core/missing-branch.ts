/**
 * A phase started on this clone whose branch `parallel/<id>` is gone: renamed (`git branch -m`)
 * or deleted (`git branch -D` after `git checkout -b x` or a detached HEAD) from its worktree.
 * The work is still where the worktree's HEAD is, but nothing names it as the phase's, so
 * verify cannot judge it and integrate cannot merge it. Pure: the facts come from refs and the
 * worktree's HEAD file; this says what the user sees and the command that puts it right.
 */
import { phaseBranch, type PhaseId } from './plan.js';

export interface MissingBranchFacts {
  /** The phase's worktree on this clone, when it still exists. */
  worktree: string | null;
  /** The commit that worktree's HEAD is at (null: no worktree, or an unborn branch). */
  head: string | null;
  /** The branch that worktree has checked out now (null: detached HEAD, or no worktree). */
  headBranch: string | null;
}

/** Where the work is now, for a message: "its worktree W is on branch x at 1234abcd5678". */
export function describeMissingBranch(id: PhaseId, f: MissingBranchFacts, shortLen = 12): string {
  const branch = phaseBranch(id);
  if (!f.worktree) return `its branch ${branch} is missing, and so is its worktree`;
  const at = f.head ? ` at ${f.head.slice(0, shortLen)}` : ' (no commit)';
  return `its branch ${branch} is missing; its worktree ${f.worktree} is ${f.headBranch ? `on branch ${f.headBranch}` : 'on a detached HEAD'}${at}`;
}

/** The command that recreates the branch at the worktree's HEAD (from the main worktree, so no phase hook judges it). */
export function missingBranchFix(id: PhaseId, f: MissingBranchFacts): string {
  const branch = phaseBranch(id);
  if (!f.head) return `git branch ${branch} <commit>   (the phase's last commit: look for it in "git reflog" or "git log --all")`;
  return `git branch ${branch} ${f.head}${f.worktree ? `   (then, in ${f.worktree}: git switch ${branch})` : ''}`;
}
