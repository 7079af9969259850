/**
 * The repository, base and committed plan for the worktree commands, with the odd states a
 * new user meets first (no commits yet, a base that does not exist) explained.
 */
import { ParallelError, ExitCode } from '../errors.js';
import { git } from '../git/git.js';
import { openRepo, resolveBase, type RepoContext } from '../git/repo.js';
import { readCommittedPlan } from '../config/plan-source.js';
import { PLAN_FILE, type Plan } from '../core/plan.js';

export interface PlanContext {
  ctx: RepoContext;
  base: string;
  plan: Plan;
}

export async function loadPlanContext(cwd: string, ctx: RepoContext = openRepo(cwd)): Promise<PlanContext> {
  const base = resolveBase(ctx);
  try {
    const { plan } = await readCommittedPlan(ctx, base);
    return { ctx, base, plan };
  } catch (e) {
    if (e instanceof ParallelError) {
      const anyBranch = git(['for-each-ref', '--count=1', '--format=%(refname)', 'refs/heads/'], { cwd: ctx.toplevel }).stdout.trim();
      if (!anyBranch) {
        throw new ParallelError(`parallel: this repository has no commits yet. Commit a ${PLAN_FILE} on ${base} first (run "parallel init", then "git add ${PLAN_FILE} && git commit").`, { exitCode: ExitCode.usage, code: 'usage' });
      }
    }
    throw e;
  }
}
