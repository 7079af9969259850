/** `parallel log [<phase>] [--json]`: the event history, oldest first. */
import type { CommandInput, CommandResult } from '../command.js';
import { usageError } from '../errors.js';
import { openRepo, resolveBase, type RepoContext } from '../git/repo.js';
import { ID_PATTERN } from '../core/plan.js';
import { readEvents } from '../store/store.js';
import { formatEvent } from '../core/event-text.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  if (input.args.length > 1) throw usageError('parallel: "log" takes at most one phase: parallel log [<phase>].');
  const phase = input.args[0];
  if (phase !== undefined && !ID_PATTERN.test(phase)) throw usageError(`parallel: "${phase}" is not a phase id. Run "parallel status" to list the phases.`);
  const ctx = openRepo(input.cwd);
  const events = readEvents(ctx, phase === undefined ? {} : { phase });
  if (phase !== undefined && events.length === 0) await knownPhase(ctx, phase);
  const text = events.length ? events.map(formatEvent).join('\n') : `No events yet${phase ? ` for "${phase}"` : ''}.`;
  return { data: { events }, text };
}

/** A phase with no events must at least be in the committed plan (a typo is exit 2, not "no events"). */
async function knownPhase(ctx: RepoContext, phase: string): Promise<void> {
  const { readCommittedPlan } = await import('../config/plan-source.js');
  const { plan } = await readCommittedPlan(ctx, resolveBase(ctx));
  if (!plan.phases.some((p) => p.id === phase)) {
    throw usageError(`parallel: the plan has no phase "${phase}" and nothing was ever logged for it. Phases: ${plan.phases.map((p) => p.id).join(', ')}.`);
  }
}
