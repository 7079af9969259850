/**
 * The plan's `setup` commands, run in order in each new worktree with the session's environment,
 * their output streamed to stderr under a progress line per phase (`[2/3] auth: npm ci`). A
 * failing or interrupted command leaves the worktree as it is (it is already started and
 * marked) and prints the exact commands that finish the setup.
 */
import type { Io } from '../command.js';
import type { Plan } from '../core/plan.js';
import { commandEnv, execRetryCommand, runCommand } from './run-command.js';
import { sessionEnv } from './session-env.js';

export interface SetupTarget {
  phase: string;
  session: string;
  path: string;
}

export interface SetupResult {
  ok: boolean;
  /** Phase -> the setup commands still to run. */
  unfinished: Map<string, string[]>;
}

export async function runSetup(plan: Plan, targets: SetupTarget[], io: Io, interrupted: () => boolean): Promise<SetupResult> {
  const unfinished = new Map<string, string[]>();
  let stopped = false;
  const failures: string[] = [];
  for (const [i, t] of targets.entries()) {
    const env = commandEnv(sessionEnv(plan, t.phase, t.session));
    for (const [k, cmd] of plan.setup.entries()) {
      if (stopped || interrupted()) {
        stopped = true;
        unfinished.set(t.phase, plan.setup.slice(k));
        break;
      }
      io.err(`[${i + 1}/${targets.length}] ${t.phase}: ${cmd}`);
      const res = await runCommand(cmd, { cwd: t.path, env });
      if (res.code === 0) continue;
      unfinished.set(t.phase, plan.setup.slice(k));
      if (res.interrupted || interrupted()) {
        stopped = true;
        failures.push(`setup of ${t.phase} was interrupted during "${cmd}"`);
      } else {
        const how = res.spawnError ?? (res.exitCode !== null ? `exited with ${res.exitCode}` : `was killed by ${res.signal}`);
        failures.push(`setup of ${t.phase} failed: "${cmd}" ${how}`);
      }
      break;
    }
  }
  if (unfinished.size === 0) return { ok: true, unfinished };
  const lines: string[] = [];
  lines.push(`parallel: ${failures.join('; ') || 'setup was interrupted'}. ${unfinished.size === 1 ? 'The worktree is' : 'The worktrees are'} started and kept; fix the cause, then finish the setup with:`);
  for (const [phase, cmds] of unfinished) {
    const path = targets.find((t) => t.phase === phase)!.path;
    lines.push(`  # ${phase} (${path})`);
    for (const cmd of cmds) lines.push(`  ${execRetryCommand(phase, cmd)}`);
  }
  io.err(lines.join('\n'));
  return { ok: false, unfinished };
}
