/**
 * `parallel remove <phase> [--force] [--delete-branch]`: remove a phase worktree the git way
 * (`git worktree remove`), never losing work. Refuses a worktree with uncommitted or untracked
 * changes or scratch files unless `--force`, which first saves them to
 * `refs/parallel/saved/<phase>/<time>`. The branch stays unless `--delete-branch`, which is
 * refused while the phase is not integrated, with or without `--force`.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { refused, usageError } from '../errors.js';
import { git, gitTry } from '../git/git.js';
import { openRepo, resolveBase } from '../git/repo.js';
import { integratedPhases } from '../git/integrated.js';
import { INTEGRATION_BRANCH, phaseBranch, phaseById } from '../core/plan.js';
import { readCommittedPlan } from '../config/plan-source.js';
import { checkedOutBranches, phaseWorktreeMap } from '../worktrees/layout.js';
import { checkPhaseId, unknownPhase } from '../worktrees/locate.js';
import { describeUnsaved, findUnsavedWork, unsavedCount } from '../worktrees/unsaved.js';
import { restoreHint, saveWork } from '../worktrees/save-work.js';
import { deletePhaseBranch, recordPruned } from '../worktrees/branch-delete.js';
import { integratedNow } from '../worktrees/delivered.js';
import { recordRemoved } from '../worktrees/removed.js';
import { shellQuote } from '../worktrees/run-command.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  if (input.args.length !== 1) throw usageError('parallel: remove takes one phase: parallel remove <phase> [--force] [--delete-branch].');
  const id = input.args[0]!;
  checkPhaseId(id);
  const force = input.opts.force === true;
  const deleteBranch = input.opts['delete-branch'] === true;
  const ctx = openRepo(input.cwd);
  const cwd = ctx.mainWorktree;
  const base = resolveBase(ctx);
  // The plan is read only for its `copy` list; a phase dropped from the plan can still be removed.
  const plan = await readCommittedPlan(ctx, base).then((c) => c.plan, () => undefined);
  const wt = phaseWorktreeMap(ctx.commonDir).get(id);
  const reviewer = wt?.marker.reviewer ?? Boolean(plan && phaseById(plan, id)?.reviews);
  const tip = reviewer ? null : gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${phaseBranch(id)}`], { cwd });

  if (wt && !wt.missing && ctx.toplevel === wt.path) {
    throw refused(`parallel: this shell is inside the worktree of ${id}, which would vanish under it. Run it from the main worktree: cd ${shellQuote(ctx.mainWorktree)} && parallel remove ${id}`);
  }
  // Decide about the branch before touching anything: a refusal changes nothing.
  let branchIntegrated: 'ancestry' | 'content' | undefined;
  if (deleteBranch && tip) {
    branchIntegrated = integratedPhases(cwd, base, [id]).get(id);
    if (!branchIntegrated) {
      throw refused(`parallel: not deleting ${phaseBranch(id)}: ${id} is not integrated (its commits are in neither ${base} nor ${INTEGRATION_BRANCH}), and no parallel command deletes a commit${force ? ', --force included' : ''}. Nothing was removed. Drop --delete-branch to remove only the worktree, or integrate ${id} first.`);
    }
    // Tip in base but not done (no commit yet, or merged by hand): not integrated by the one rule.
    // Once the branch is gone, "done" can no longer make it integrated, and its dependents would
    // wait for good; so the branch stays until the phase is done.
    if (plan !== undefined && phaseById(plan, id) && !(await integratedNow(ctx, plan, [id])).has(id)) {
      throw refused(`parallel: not deleting ${phaseBranch(id)}: its tip is in ${base}, but ${id} is not done, so it is not integrated (deleted now, the phases that need it would wait for it for good). Nothing was removed. If its work is finished, mark it done first: parallel done --phase ${id}; or drop --delete-branch to remove only the worktree.`);
    }
    const where = checkedOutBranches(cwd).whereIs.get(`refs/heads/${phaseBranch(id)}`);
    if (where && where !== wt?.path) throw refused(`parallel: not deleting ${phaseBranch(id)}: it is checked out in ${where}. Switch that worktree to another branch first. Nothing was removed.`);
  }
  // A phase dropped from the plan may still be removed while it has a worktree or a branch.
  if (!wt && !tip && plan && !phaseById(plan, id)) throw unknownPhase(plan, base, id);
  if (!wt && !(deleteBranch && tip)) {
    throw refused(`parallel: ${id} has no worktree on this clone${tip ? ` (its branch ${phaseBranch(id)} is kept)` : ''}. "git worktree list" shows the worktrees there are.`);
  }

  const lines: string[] = [];
  let saved: ReturnType<typeof saveWork> | undefined;
  if (wt) {
    if (wt.locked) {
      throw refused(`parallel: the worktree of ${id} at ${wt.path} is locked ("git worktree lock"). Unlock it with "git worktree unlock ${shellQuote(wt.path)}" if it is really done, then remove it again.`);
    }
    if (wt.missing) {
      git(['worktree', 'remove', wt.path], { cwd });
      lines.push(`cleared ${id}: its worktree ${wt.path} had been deleted by hand`);
    } else {
      const unsaved = await findUnsavedWork(wt.path, wt.gitDir, { copy: plan?.copy ?? [], mainWorktree: ctx.mainWorktree });
      const n = unsavedCount(unsaved);
      if (n && !force) {
        throw refused([
          `parallel: the worktree of ${id} at ${wt.path} has work that removing it would lose:`,
          ...describeUnsaved(unsaved).map((l) => `  ${l}`),
          `Commit it (or move it away), or run "parallel remove ${id} --force" to save it to refs/parallel/saved/${id}/ first. Nothing was removed.`,
        ].join('\n'), 'dirty');
      }
      if (n) saved = saveWork(wt.path, wt.gitDir, { phase: id, session: wt.marker.session }, unsaved);
      // Without --force git itself re-checks that nothing tracked or untracked would be lost
      // (only untouched copies of `copy` files, still in the main worktree, need --force).
      const res = git(['worktree', 'remove', ...(saved || unsaved.copies.length ? ['--force'] : []), wt.path], { cwd, okCodes: [0, 128] });
      if (res.exitCode !== 0) {
        throw refused(`parallel: git refused to remove the worktree of ${id}: ${res.stderr.trim().replace(/^fatal: /, '')}.${saved ? ` Its work is saved on ${saved.ref}.` : ''} Nothing else was changed.`);
      }
      recordRemoved(ctx.commonDir, id, wt.path);
      lines.push(`removed the worktree of ${id} at ${wt.path}`);
      if (saved) {
        lines.push(
          unsaved.strandedHead
            ? `saved its work (${n} item${n === 1 ? '' : 's'}: the commits of its detached HEAD ${unsaved.strandedHead.slice(0, 12)}, on no branch, and what was uncommitted) to ${saved.ref}`
            : `saved its uncommitted work (${n} item${n === 1 ? '' : 's'}) to ${saved.ref}`,
          `  see it:      git show --stat ${saved.ref}`,
          `  get it back: parallel start ${id}, then in its worktree: ${restoreHint(saved)}`,
        );
      }
    }
  }
  if (deleteBranch && tip) {
    const problem = deletePhaseBranch(cwd, id, tip);
    if (problem) throw refused(`parallel: the worktree is removed, but ${phaseBranch(id)} was not deleted (${problem}); it moved meanwhile, so it was kept.`);
    recordPruned(ctx.commonDir, id, tip);
    lines.push(`deleted the branch ${phaseBranch(id)} (integrated by ${branchIntegrated}; was ${tip.slice(0, 12)})`);
  } else if (tip) {
    lines.push(`kept the branch ${phaseBranch(id)}${deleteBranch ? '' : ' (delete it once integrated: --delete-branch)'}`);
  } else if (deleteBranch) {
    lines.push(reviewer ? `${id} is a reviewer phase: it has no branch to delete` : `${phaseBranch(id)} does not exist; nothing to delete`);
  }
  return { text: lines.join('\n') };
}
