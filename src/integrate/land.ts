/**
 * `--land`: fast-forward base to the integration branch. Compare-and-swap on the base ref; when
 * base is checked out in a worktree (usually the main one), that worktree is updated with
 * `git merge --ff-only` (which moves HEAD only from the value it read) and only when it has no
 * tracked changes; otherwise nothing moves and the user is told what to do.
 */
import { git, gitTry } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH } from '../core/plan.js';
import { checkedOutBranches } from '../worktrees/layout.js';
import { NO_HOOKS } from './scratch.js';
import { short } from './plan-steps.js';

export interface LandOutcome {
  landed: boolean;
  /** Base already was at that commit: nothing moved. */
  already?: boolean;
  /** Why it did not land (a sentence with the fix). */
  refusal?: string;
  worktree?: string;
}

/** `baseOid`: where base was when the job started (base at `head` since then means a killed run landed it). */
export function land(ctx: RepoContext, base: string, head: string, baseOid: string): LandOutcome {
  const ref = `refs/heads/${base}`;
  const cwd = ctx.toplevel;
  const now = gitTry(['rev-parse', '--verify', '--quiet', ref], { cwd });
  if (!now) return { landed: false, refusal: `the base branch ${base} does not exist` };
  if (now === head) return baseOid === head ? { landed: false, already: true } : { landed: true };
  if (git(['merge-base', '--is-ancestor', now, head], { cwd, okCodes: [0, 1] }).exitCode !== 0) {
    return { landed: false, refusal: `${base} has moved on since (it is at ${short(now)}, which ${INTEGRATION_BRANCH} does not contain), so it cannot be fast-forwarded; run "parallel integrate --land" again to bring the new commits in first` };
  }
  const wt = checkedOutBranches(ctx.toplevel).whereIs.get(ref);
  if (!wt) {
    const res = git([...NO_HOOKS, 'update-ref', '-m', `parallel integrate --land: fast-forward to ${short(head)}`, ref, head, now], { cwd, okCodes: [0, 1, 128] });
    if (res.exitCode !== 0) return { landed: false, refusal: `${base} moved while landing (${res.stderr.trim()}); run "parallel integrate --land" again` };
    return { landed: true };
  }
  const dirty = git(['status', '--porcelain=v1', '-z', '--untracked-files=no', '--ignore-submodules=none'], { cwd: wt }).stdout;
  if (dirty && holdsTreeOf(wt, head)) {
    // A `merge --ff-only` killed after it updated the index and files but before it moved the
    // ref (git checks the new tree out first, then moves the ref): the worktree already is
    // `head`, so finishing the fast-forward is the ref move alone (compare-and-swap), and
    // nothing in that worktree changes.
    const res = git([...NO_HOOKS, 'update-ref', '-m', `parallel integrate --land: fast-forward to ${short(head)} (finishing an interrupted one)`, ref, head, now], { cwd, okCodes: [0, 1, 128] });
    if (res.exitCode !== 0) return { landed: false, worktree: wt, refusal: `${base} moved while landing (${res.stderr.trim()}); run "parallel integrate --land" again` };
    return { landed: true, worktree: wt };
  }
  if (dirty) {
    const files = dirty.split('\0').filter(Boolean).map((l) => l.slice(3)).slice(0, 5);
    return {
      landed: false,
      worktree: wt,
      refusal: `${base} is checked out in ${wt}, which has uncommitted changes (${files.join(', ')}); commit or stash them there, then run "parallel integrate --land" again (or fast-forward yourself: "git -C '${wt}' merge --ff-only ${INTEGRATION_BRANCH}")`,
    };
  }
  // In that worktree HEAD is base: merge --ff-only updates files and index safely and moves the
  // ref only from the value it read (a compare-and-swap).
  const res = git([...NO_HOOKS, 'merge', '--ff-only', '--quiet', head], { cwd: wt, okCodes: [0, 1, 128] });
  if (res.exitCode !== 0) {
    return { landed: false, worktree: wt, refusal: `fast-forwarding ${base} in ${wt} failed: ${res.stderr.trim().split('\n')[0]}; fix that worktree, then run "parallel integrate --land" again` };
  }
  return { landed: true, worktree: wt };
}

/** The worktree's index and tracked files are exactly `commit`'s tree (whatever its HEAD says). */
function holdsTreeOf(wt: string, commit: string): boolean {
  const staged = git(['diff-index', '--cached', '--quiet', '--ignore-submodules=none', commit, '--'], { cwd: wt, okCodes: [0, 1, 128] }).exitCode;
  // `git diff` refreshes the index's stat data in memory, so a file only touched does not count.
  return staged === 0 && git(['diff', '--quiet', '--ignore-submodules=none', '--'], { cwd: wt, okCodes: [0, 1, 128] }).exitCode === 0;
}
