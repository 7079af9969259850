/**
 * `parallel brief [<phase>]`: the session brief (markdown), live: the plan as committed on base
 * plus what the coordination store knows now (decisions, what needed phases delivered, ticks).
 * Without a phase, the phase of the worktree it runs in.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { usageError } from '../errors.js';
import { gitTry } from '../git/git.js';
import { openRepo } from '../git/repo.js';
import { phaseBranch, phaseById } from '../core/plan.js';
import { renderBrief } from '../core/brief.js';
import { loadPlanContext } from '../worktrees/plan-context.js';
import { phaseWorktreeMap } from '../worktrees/layout.js';
import { checkPhaseId } from '../worktrees/locate.js';
import { gatherBriefData } from '../worktrees/brief-data.js';

export { gatherBriefData };

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  const id = input.args[0] ?? ctx.marker?.phase;
  if (input.args.length > 1) throw usageError('parallel: brief takes one phase. Run "parallel brief <phase>".');
  if (!id) throw usageError('parallel: brief needs a phase outside a phase worktree. Run "parallel brief <phase>" ("parallel status" lists them).');
  checkPhaseId(id);
  const { plan, base } = await loadPlanContext(input.cwd, ctx);
  const phase = phaseById(plan, id);
  if (!phase) throw usageError(`parallel: unknown phase "${id}". The plan's phases are: ${plan.phases.map((p) => p.id).join(', ')}.`);
  const wt = ctx.marker?.phase === id ? { path: ctx.toplevel, marker: ctx.marker } : phaseWorktreeMap(ctx.commonDir).get(id);
  const session = wt?.marker.session ?? id;
  // A reviewer reviews what its worktree has checked out; before it starts, the reviewed branch's tip.
  let reviewedTip: string | undefined;
  if (phase.reviews) {
    reviewedTip = (wt && !('missing' in wt && wt.missing) ? gitTry(['rev-parse', 'HEAD'], { cwd: wt.path }) : null)
      ?? gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${phaseBranch(phase.reviews)}`], { cwd: ctx.toplevel }) ?? undefined;
  }
  const data = await gatherBriefData(ctx, plan, base, { phase, session, ...(reviewedTip ? { reviewedTip } : {}) });
  return { text: renderBrief(data).replace(/\n$/, '') };
}
