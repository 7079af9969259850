/** `parallel decisions [--json]`: the decisions log, oldest first. */
import type { CommandInput, CommandResult } from '../command.js';
import { usageError } from '../errors.js';
import { openRepo } from '../git/repo.js';
import { readEvents } from '../store/store.js';
import { stamp } from '../core/dashboard.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  if (input.args.length) throw usageError('parallel: "decisions" takes no arguments. To record one: parallel decide "TEXT".');
  const ctx = openRepo(input.cwd);
  const decisions = readEvents(ctx, { phase: '' })
    .filter((e) => e.type === 'decision')
    .map((e) => ({ id: e.id, at: e.at, text: e.message ?? '', session: e.session }));
  const text = decisions.length
    ? decisions.map((d, i) => `${i + 1}. ${stamp(Date.parse(d.at))}  ${d.text}`).join('\n')
    : 'No decisions yet. The coordinator records one with: parallel decide "TEXT"';
  return { data: { decisions }, text };
}
