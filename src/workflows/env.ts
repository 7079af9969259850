/** `parallel env [--phase ID]`: shell exports of PARALLEL_PHASE, PARALLEL_SESSION and PORT (`eval "$(parallel env)"`). */
import type { CommandInput, CommandResult } from '../command.js';
import { openRepo } from '../git/repo.js';
import { readCommittedPlan } from '../config/plan-source.js';
import { resolveBase } from '../git/repo.js';
import { locatePhase } from '../worktrees/locate.js';
import { exportLines, sessionEnv } from '../worktrees/session-env.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  const loc = await locatePhase(ctx, typeof input.opts.phase === 'string' ? input.opts.phase : undefined, 'env');
  const { plan } = await readCommittedPlan(ctx, resolveBase(ctx));
  const env = sessionEnv(plan, loc.phase, loc.session);
  return { data: { env }, text: exportLines(env) };
}
