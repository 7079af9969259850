/**
 * `parallel agents install|remove [<phase>...]`: write (idempotent) or take out coding agents'
 * hook settings in this clone's phase worktrees, as the committed plan's `agents:` says. `start`
 * does the same for each worktree it creates, through `agentLines`.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { refused, usageError } from '../errors.js';
import type { PlanAgent } from '../core/plan.js';
import { linkedGitDir } from '../worktrees/layout.js';
import { listPhaseWorktrees } from '../git/phase-worktrees.js';
import { loadPlanContext } from '../worktrees/plan-context.js';
import { applyAgents, type AgentSetupResult } from '../worktrees/agent-setup.js';
import { shellQuote } from '../worktrees/run-command.js';

const LAUNCH: Record<PlanAgent, string> = { claude: 'claude', codex: 'codex', gemini: 'gemini' };
const TRUST: Partial<Record<PlanAgent, string>> = {
  claude: 'Claude Code asks once to trust the folder before it runs project hooks',
  codex: 'Codex reads the hooks of every phase worktree from the main checkout: trust it once, and approve parallel\'s hooks once in /hooks',
};

function describe(r: AgentSetupResult): string | undefined {
  switch (r.outcome) {
    case 'written':
    case 'current':
      return `${r.agent} hooks ${r.outcome === 'written' ? 'written to' : 'up to date in'} ${r.file}`;
    case 'removed':
      return `${r.agent} hooks taken out of ${r.file}`;
    case 'refused':
      return `${r.agent} is not set up: ${r.reason}`;
    default:
      return undefined;
  }
}

/** Set up one worktree for `agents`; the lines `start` prints (with the launch commands). */
export function agentLines(commonDir: string, path: string, agents: readonly PlanAgent[]): string[] {
  const gitDir = linkedGitDir(path);
  if (!gitDir) return [];
  const results = applyAgents({ path, gitDir, commonDir }, agents);
  const lines = results.map(describe).filter((l): l is string => l !== undefined).map((l) => `  ${l}`);
  const ready = results.filter((r) => r.outcome === 'written' || r.outcome === 'current');
  for (const r of ready) lines.push(`  launch: cd ${shellQuote(path)} && ${LAUNCH[r.agent]}${TRUST[r.agent] ? `   (${TRUST[r.agent]})` : ''}`);
  return lines;
}

export async function run(input: CommandInput): Promise<CommandResult> {
  const [action, ...phases] = input.args;
  if (action !== 'install' && action !== 'remove') throw usageError('parallel: agents takes "install" or "remove", then optional phases: parallel agents install [<phase>...].');
  const { ctx, plan } = await loadPlanContext(input.cwd);
  const all = listPhaseWorktrees(ctx.commonDir).filter((w) => !w.missing);
  for (const id of phases) {
    if (!all.some((w) => w.phase === id)) throw refused(`parallel: phase "${id}" has no worktree on this clone, so there is nothing to set up. Start it with "parallel start ${id}".`);
  }
  const chosen = phases.length ? all.filter((w) => phases.includes(w.phase)) : all;
  const agents = action === 'install' ? plan.agents : [];
  const lines: string[] = [];
  const data: { phase: string; results: AgentSetupResult[] }[] = [];
  for (const w of chosen) {
    const results = applyAgents({ path: w.path, gitDir: w.gitDir, commonDir: ctx.commonDir }, agents);
    data.push({ phase: w.phase, results });
    const said = results.map(describe).filter((l): l is string => l !== undefined);
    lines.push(`${w.phase}: ${said.length ? said.join('; ') : 'nothing to do'}`);
  }
  if (chosen.length === 0) lines.push('parallel: no phase worktree on this clone; "parallel start" sets up each one it creates.');
  const bad = data.some((d) => d.results.some((r) => r.outcome === 'refused'));
  return { exitCode: bad ? 1 : 0, data: { worktrees: data }, text: lines.join('\n') };
}
