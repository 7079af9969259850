/**
 * `parallel prune`: clear worktrees deleted by hand (`git worktree prune`), then remove the
 * worktrees and branches of phases integrated into base (by ancestry or, for a squash merge, by
 * content). Never a worktree with changes, never a branch that moved: what it leaves alone it
 * lists, and it does not fail for it.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { git } from '../git/git.js';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openRepo, type RepoContext } from '../git/repo.js';
import { findScratchWorktrees, scratchTarget } from '../integrate/scratch-place.js';
import { isReviewer, phaseBranch, phaseById, type PhaseId, type Plan } from '../core/plan.js';
import { loadPlanContext } from '../worktrees/plan-context.js';
import { checkedOutBranches, listPhaseWorktrees, type PhaseWorktree } from '../worktrees/layout.js';
import { integratedPhases, phaseTips } from '../git/integrated.js';
import { integratedNow } from '../worktrees/delivered.js';
import { recordRemoved } from '../worktrees/removed.js';
import { findUnsavedWork, unsavedCount } from '../worktrees/unsaved.js';
import { deletePhaseBranch, recordPruned } from '../worktrees/branch-delete.js';

/**
 * integrate's scratch worktree holds no work (it is rebuilt at a recorded commit before each
 * use): one at a place it no longer goes (under the git dir, or an earlier template's place) is
 * removed, one deleted by hand is cleared from git's list, and the current one is kept for the
 * next integrate (its ignored files, such as node_modules, save a setup). Never while a job is pending.
 */
function pruneScratch(ctx: RepoContext, plan: Plan, done: string[], left: string[], kept: string[]): void {
  const found = findScratchWorktrees(ctx.commonDir);
  if (found.length === 0) return;
  if (existsSync(join(ctx.commonDir, 'parallel', 'integrate', 'journal.json'))) {
    left.push(`integrate's scratch worktree (${found.map((w) => w.path).join(', ')}): an interrupted integrate is pending ("parallel integrate --continue" or "--abort" first)`);
    return;
  }
  let target: string | undefined;
  try {
    target = scratchTarget(ctx, plan);
  } catch {
    target = undefined;
  }
  for (const w of found) {
    if (w.missing) {
      // What "git worktree prune" does, for this one entry only (the user's missing worktrees stay listed).
      rmSync(w.gitDir, { recursive: true, force: true });
      done.push(`cleared integrate's scratch worktree at ${w.path}: it had been deleted by hand`);
    } else if (w.path !== target) {
      const res = git(['worktree', 'remove', '--force', '--force', w.path], { cwd: ctx.mainWorktree, okCodes: [0, 128] });
      if (res.exitCode === 0) done.push(`removed integrate's scratch worktree at ${w.path} (it now goes to ${target ?? 'another place'}; the next integrate creates it there)`);
      else left.push(`integrate's scratch worktree at ${w.path}: git would not remove it (${res.stderr.trim().replace(/^fatal: /, '')})`);
    } else {
      kept.push(`integrate's scratch worktree at ${w.path} is kept for the next integrate (it holds no work; "git worktree remove --force '${w.path}'" frees the space)`);
    }
  }
}

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  const { base, plan } = await loadPlanContext(input.cwd, ctx);
  const cwd = ctx.mainWorktree;
  const done: string[] = [];
  const left: string[] = [];

  // 1. Worktrees deleted by hand (phase worktrees, integrate's scratch worktree), and a scratch
  // worktree at a place it no longer goes.
  const before = listPhaseWorktrees(ctx.commonDir);
  const missing = before.filter((w) => w.missing);
  const keptScratch: string[] = [];
  pruneScratch(ctx, plan, done, left, keptScratch);
  if (missing.length) {
    git(['worktree', 'prune'], { cwd });
    const after = new Set(listPhaseWorktrees(ctx.commonDir).map((w) => w.gitDir));
    for (const w of missing) {
      if (after.has(w.gitDir)) left.push(`${w.phase}: its worktree ${w.path} is gone but locked in git ("git worktree unlock" it, then prune again)`);
      else done.push(`cleared ${w.phase}: its worktree ${w.path} had been deleted by hand (branch kept)`);
    }
  }
  const worktrees = new Map<PhaseId, PhaseWorktree>();
  for (const w of listPhaseWorktrees(ctx.commonDir)) if (!w.missing) worktrees.set(w.phase, w);

  // 2. Phases integrated into base.
  const tips = phaseTips(cwd);
  const integrated = integratedPhases(cwd, base, undefined, { tips, viaIntegration: false });
  // A branch with no commit yet is "reachable from base" too: only what counts as integrated by
  // the rule status and integrate use (done, and in by refs) is pruned.
  const counts = await integratedNow(ctx, plan, [...integrated.keys()]);
  const { whereIs } = checkedOutBranches(cwd);

  const removeWorktree = async (w: PhaseWorktree, why: string): Promise<boolean> => {
    if (w.locked) {
      left.push(`${w.phase}: ${w.path} is locked ("git worktree unlock" it to let prune remove it)`);
      return false;
    }
    const unsaved = await findUnsavedWork(w.path, w.gitDir, { copy: plan.copy, mainWorktree: ctx.mainWorktree });
    const n = unsavedCount(unsaved);
    if (n) {
      left.push(`${w.phase}: ${why}, but ${w.path} has ${n} uncommitted, untracked or scratch item${n === 1 ? '' : 's'} (commit or move them, or "parallel remove ${w.phase} --force" to save and remove)`);
      return false;
    }
    // Untouched copies of `copy` files are still in the main worktree: only they need --force.
    const res = git(['worktree', 'remove', ...(unsaved.copies.length ? ['--force'] : []), w.path], { cwd, okCodes: [0, 128] });
    if (res.exitCode !== 0) {
      left.push(`${w.phase}: git would not remove ${w.path} (${res.stderr.trim().replace(/^fatal: /, '')})`);
      return false;
    }
    recordRemoved(ctx.commonDir, w.phase, w.path);
    done.push(`removed the worktree of ${w.phase} at ${w.path} (${why})`);
    return true;
  };

  for (const [id, how] of integrated) {
    if (!counts.has(id)) {
      if (worktrees.has(id)) left.push(`${id}: its tip is in ${base}, but it is not done (nothing of its own to integrate yet)`);
      continue;
    }
    const why = `integrated into ${base}${how === 'content' ? ' by content (squash merge)' : ''}`;
    const w = worktrees.get(id);
    if (w && !(await removeWorktree(w, why))) continue;
    const where = whereIs.get(`refs/heads/${phaseBranch(id)}`);
    if (where && where !== w?.path) {
      left.push(`${id}: ${phaseBranch(id)} is ${why} but checked out in ${where}; switch that worktree to another branch to let prune delete it`);
      continue;
    }
    const problem = deletePhaseBranch(cwd, id, tips.get(id)!);
    if (problem) {
      left.push(`${id}: ${phaseBranch(id)} moved while pruning, so it was kept`);
      continue;
    }
    recordPruned(ctx.commonDir, id, tips.get(id)!);
    done.push(`deleted the branch ${phaseBranch(id)} (${why}; was ${tips.get(id)!.slice(0, 12)})`);
  }

  // Reviewer worktrees of phases whose work is in base: the review is over.
  for (const [id, w] of worktrees) {
    const phase = phaseById(plan, id);
    if (!phase || !isReviewer(phase) || !w.marker.reviewer) continue;
    const reviewed = phase.reviews!;
    if (counts.has(reviewed)) await removeWorktree(w, `${reviewed}, which it reviews, is integrated into ${base}`);
  }

  const kept = [...worktrees.keys()].filter((id) => !integrated.has(id) && !(phaseById(plan, id)?.reviews && integrated.has(phaseById(plan, id)!.reviews!)));
  const lines: string[] = [];
  if (done.length) lines.push(...done);
  else lines.push('nothing to prune');
  if (left.length) lines.push('left alone:', ...left.map((l) => `  ${l}`));
  if (kept.length) lines.push(`not integrated into ${base} (kept): ${kept.join(', ')}`);
  lines.push(...keptScratch);
  return { text: lines.join('\n') };
}
