/** `parallel decide "TEXT"`: the coordinator records a decision every session reads in its brief. */
import type { CommandInput, CommandResult } from '../command.js';
import { usageError, refused } from '../errors.js';
import { openRepo, resolveBase } from '../git/repo.js';
import { readCommittedPlan } from '../config/plan-source.js';
import { appendEvent } from '../store/store.js';
import { COORDINATOR_SESSION } from '../store/record.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  const text = input.args.join(' ').trim();
  if (!text) throw usageError('parallel: "decide" needs the decision: parallel decide "Use UUID v7 for all ids".');
  const ctx = openRepo(input.cwd);
  if (ctx.marker) {
    throw refused(`parallel: only the coordinator decides, and this is the worktree of phase "${ctx.marker.phase}". Run "parallel decide" from the main worktree (${ctx.mainWorktree}); a session can record a proposal with "parallel handoff" or "parallel error".`);
  }
  const { plan } = await readCommittedPlan(ctx, resolveBase(ctx));
  const ev = await appendEvent(ctx, { type: 'decision', workspace: plan.name, phase: '', session: COORDINATOR_SESSION, message: text });
  return { data: { decision: { id: ev.id, at: ev.at, text } }, text: `Decision recorded: ${text}` };
}
