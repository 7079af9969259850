/** `parallel whoami [--json]`: this worktree's phase and session, from its own marker (exit 1 elsewhere). */
import type { CommandInput, CommandResult } from '../command.js';
import { refused } from '../errors.js';
import { openRepo } from '../git/repo.js';
import { phaseBranch } from '../core/plan.js';
import { scratchRelPath } from '../worktrees/scratch-dir.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  const m = ctx.marker;
  if (!m) {
    throw refused(`parallel: ${ctx.toplevel} is not a phase worktree${ctx.isMain ? ' (it is the main worktree, where the coordinator works)' : ''}. Phase worktrees are made by "parallel start <phase>".`);
  }
  const data = {
    phase: m.phase,
    session: m.session,
    workspace: m.workspace,
    reviewer: Boolean(m.reviewer),
    branch: m.reviewer ? null : phaseBranch(m.phase),
    worktree: ctx.toplevel,
    scratch: `${scratchRelPath(m.session)}/`,
  };
  const text = [
    `phase     ${m.phase}${m.reviewer ? ' (reviewer)' : ''}`,
    `session   ${m.session}`,
    `workspace ${m.workspace}`,
    `worktree  ${ctx.toplevel}`,
  ].join('\n');
  return { data, text };
}
