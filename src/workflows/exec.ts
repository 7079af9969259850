/**
 * `parallel exec <phase> -- CMD [ARGS...]`: run CMD in that phase's worktree with the session's
 * environment (PARALLEL_PHASE, PARALLEL_SESSION, PORT), sharing this terminal; its exit code is
 * ours. The coordinator uses it to finish a failed setup or to poke at a phase.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { refused, usageError } from '../errors.js';
import { openRepo, resolveBase } from '../git/repo.js';
import { readCommittedPlan } from '../config/plan-source.js';
import { locatePhase } from '../worktrees/locate.js';
import { commandEnv, runCommand } from '../worktrees/run-command.js';
import { sessionEnv } from '../worktrees/session-env.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  const [phase, ...extra] = input.args;
  if (!phase) throw usageError('parallel: exec needs a phase and a command: parallel exec <phase> -- CMD [ARGS...].');
  if (extra.length) throw usageError(`parallel: put the command after "--": parallel exec ${phase} -- ${extra.join(' ')}.`);
  if (input.rest.length === 0) throw usageError(`parallel: exec needs a command after "--": parallel exec ${phase} -- CMD [ARGS...].`);
  const ctx = openRepo(input.cwd);
  const loc = await locatePhase(ctx, phase, 'exec');
  const { plan } = await readCommittedPlan(ctx, resolveBase(ctx));
  const res = await runCommand(input.rest, {
    cwd: loc.path,
    env: commandEnv(sessionEnv(plan, loc.phase, loc.session)),
    mode: 'inherit',
  });
  if (res.spawnError) throw refused(`parallel: ${res.spawnError} (in ${loc.path}). Check the spelling, or run it through a shell: parallel exec ${phase} -- sh -c '...'.`);
  return { exitCode: res.code, text: '' };
}
