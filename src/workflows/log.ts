/** `parallel log [<phase>] [--json]`: the event history, oldest first. */
import type { CommandInput, CommandResult } from '../cli/types.js';
import { usageError } from '../errors.js';
import { openRepo } from '../git/repo.js';
import { ID_PATTERN } from '../core/plan.js';
import { readEvents } from '../store/store.js';
import { formatEvent } from '../core/event-text.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  if (input.args.length > 1) throw usageError('parallel: "log" takes at most one phase: parallel log [<phase>].');
  const phase = input.args[0];
  if (phase !== undefined && !ID_PATTERN.test(phase)) throw usageError(`parallel: "${phase}" is not a phase id. Run "parallel status" to list the phases.`);
  const ctx = openRepo(input.cwd);
  const events = readEvents(ctx, phase === undefined ? {} : { phase });
  const text = events.length ? events.map(formatEvent).join('\n') : `No events yet${phase ? ` for "${phase}"` : ''}.`;
  return { data: { events }, text };
}
