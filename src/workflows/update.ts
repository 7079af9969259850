/**
 * `parallel update [--phase ID]`: merge the integration branch (or base, before the first
 * integrate) into a phase branch, in that phase's worktree, with a normal `git merge` (hooks on:
 * the ownership hook judges the merge commit by what it changes beyond a clean merge). A
 * conflict is left for the session to resolve and commit, as in any git merge; we say how.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { ParallelError, ExitCode, refused } from '../errors.js';
import { git, gitTry, splitZ } from '../git/git.js';
import { openRepo, resolveBase, type RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH, phaseBranch } from '../core/plan.js';
import { resolveTarget } from '../store/session-api.js';
import { phaseWorktrees } from '../store/gather.js';
import { short } from '../integrate/plan-steps.js';

function worktreeOf(ctx: RepoContext, phase: string, inWorktree: boolean): string {
  if (inWorktree) return ctx.toplevel;
  const wt = phaseWorktrees(ctx.commonDir).get(phase);
  if (!wt?.exists) {
    throw refused(`parallel: phase ${phase} has no worktree on this clone${wt ? ` (${wt.path} is gone; run "parallel prune")` : ''}. Start it with "parallel start ${phase}", then run "parallel update --phase ${phase}".`);
  }
  return wt.path;
}

export async function run(input: CommandInput): Promise<CommandResult> {
  if (input.args.length) throw new ParallelError(`parallel: update takes no arguments (got "${input.args[0]}"); name a phase with --phase ID. Run "parallel update --help".`, { exitCode: ExitCode.usage, code: 'usage' });
  const ctx = openRepo(input.cwd);
  const target = resolveTarget(ctx, input.opts.phase, 'update');
  if (target.reviewer) throw refused(`parallel: ${target.phase} is a reviewer phase: its worktree is checked out at the reviewed phase's tip and takes no commits, so there is nothing to update.`);
  const wt = worktreeOf(ctx, target.phase, target.inWorktree);
  const branch = phaseBranch(target.phase);
  const head = gitTry(['symbolic-ref', '--quiet', 'HEAD'], { cwd: wt });
  if (head !== `refs/heads/${branch}`) {
    throw refused(`parallel: the worktree ${wt} is not on ${branch} (HEAD is ${head ?? 'detached'}). Check the branch out there ("git switch ${branch}"), then run "parallel update" again.`);
  }
  if (gitTry(['rev-parse', '--verify', '--quiet', 'MERGE_HEAD'], { cwd: wt })) {
    throw refused(`parallel: a merge is already in progress in ${wt}. Resolve the conflicted files, "git add" them and "git commit" (or "git merge --abort" to give up), then run "parallel update" again if needed.`, 'conflict');
  }
  const dirty = splitZ(git(['status', '--porcelain=v1', '-z', '--untracked-files=no'], { cwd: wt }).stdout);
  if (dirty.length) {
    throw refused(`parallel: ${wt} has uncommitted changes (${dirty.slice(0, 5).map((l) => l.slice(3)).join(', ')}). Commit them first, then run "parallel update".`, 'dirty');
  }
  const integration = gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${INTEGRATION_BRANCH}`], { cwd: wt });
  const base = resolveBase(ctx);
  const source = integration ? INTEGRATION_BRANCH : base;
  const sourceOid = integration ?? gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${base}`], { cwd: wt });
  if (!sourceOid) throw refused(`parallel: neither ${INTEGRATION_BRANCH} nor the base branch ${base} exists. Run "parallel integrate" first.`);
  if (git(['merge-base', '--is-ancestor', sourceOid, 'HEAD'], { cwd: wt, okCodes: [0, 1] }).exitCode === 0) {
    return { text: `${branch} already contains ${source} (${short(sourceOid)}); nothing to update.` };
  }
  // Merge without committing, then conclude it with `git commit` as a user would: the commit
  // hooks then see the merge in progress (MERGE_HEAD) and judge it as a merge.
  const res = git(['merge', '--no-commit', '--no-edit', '-m', `parallel: update ${target.phase} from ${source}`, sourceOid], { cwd: wt, okCodes: [0, 1, 2, 128] });
  const conflicted = splitZ(git(['diff', '--name-only', '--diff-filter=U', '-z'], { cwd: wt }).stdout);
  if (conflicted.length) {
    const lines = [
      `Merging ${source} (${short(sourceOid)}) into ${branch} stopped with conflicts in ${wt}:`,
      ...conflicted.map((f) => `  ${f}`),
      'To finish: edit those files to keep both sides\' intent, then',
      `  git -C '${wt}' add -- <files> && git -C '${wt}' commit --no-edit`,
      'and run "parallel done" again when the phase is ready (to give up instead: "git merge --abort").',
    ];
    input.io.err(lines.join('\n'));
    return { exitCode: ExitCode.refused };
  }
  let failure = res.exitCode === 0 ? undefined : (res.stderr || res.stdout).trim();
  if (!failure && gitTry(['rev-parse', '--verify', '--quiet', 'MERGE_HEAD'], { cwd: wt })) {
    const commit = git(['commit', '--no-edit', '--quiet'], { cwd: wt, okCodes: [0, 1, 128] });
    if (commit.exitCode !== 0) {
      failure = (commit.stderr || commit.stdout).trim();
      // A clean merge refused (by a hook): nothing to resolve, so put the worktree back.
      git(['merge', '--abort'], { cwd: wt, okCodes: [0, 128] });
    }
  }
  if (!failure) {
    const now = git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
    return { text: `Merged ${source} (${short(sourceOid)}) into ${branch} (now ${short(now)}) in ${wt}.\nWhen the phase is ready again, run "parallel done" there; then the coordinator runs "parallel integrate".` };
  }
  // Refused by a hook (ownership) or by git itself: nothing to resolve here, say what git said.
  throw refused(`parallel: merging ${source} into ${branch} failed in ${wt} and was undone:\n${failure}\nFix what it names, then run "parallel update" again.`);
}
