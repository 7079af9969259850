/** `parallel scratch [--phase ID]`: prints (and creates) `.parallel/scratch/<session>/` of the session. */
import type { CommandInput, CommandResult } from '../command.js';
import { openRepo } from '../git/repo.js';
import { locatePhase } from '../worktrees/locate.js';
import { ensureScratchDir } from '../worktrees/scratch-dir.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  const loc = await locatePhase(ctx, typeof input.opts.phase === 'string' ? input.opts.phase : undefined, 'scratch');
  const dir = ensureScratchDir(loc.path, loc.session);
  return { data: { phase: loc.phase, session: loc.session, path: dir }, text: dir };
}
