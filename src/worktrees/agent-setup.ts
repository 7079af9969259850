/**
 * Writing and taking out coding agents' hook settings in phase worktrees (`parallel start`,
 * `parallel agents install|remove`). A file the repository tracks is never written (that agent is
 * reported as not set up, with the reason); what is written is kept out of `git status` through
 * the repository's `info/exclude`; the user's own settings are kept, and the file as it was before
 * the first install is saved in the worktree's git dir so that `remove` restores it exactly.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gitTry } from '../git/git.js';
import { AGENT_SETTINGS, hasCurrent, withOurs, withoutOurs } from '../core/agent-settings.js';
import type { AgentEventName } from '../core/agent-events.js';
import type { PlanAgent } from '../core/plan.js';
import { inQuotes, packagePaths, parallelHooksDir } from '../hooks/install.js';
import { ensureExcluded } from './exclude.js';
import { shQuote } from '../core/shell-quote.js';

export const WRAPPER_FILE = 'agent-hook.sh';

/** Write the wrapper every configured hook runs, with this installation's paths. */
export function installWrapper(commonDir: string): string {
  const pkg = packagePaths();
  const text = readFileSync(join(pkg.githooks, WRAPPER_FILE), 'utf8')
    .replace('@PARALLEL_DIST@', inQuotes(pkg.dist))
    .replace('@PARALLEL_NODE@', inQuotes(process.execPath))
    .replace('@PARALLEL_PKG@', pkg.name);
  const dir = parallelHooksDir({ commonDir });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, WRAPPER_FILE);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
    writeFileSync(`${file}.tmp`, text);
    chmodSync(`${file}.tmp`, 0o755);
    renameSync(`${file}.tmp`, file);
  }
  return file;
}

/** The command an agent runs for one of our events: absolute paths, so nothing on PATH is needed. */
export function hookCommand(wrapper: string, agent: PlanAgent): (event: AgentEventName) => string {
  return (event) => `/bin/sh ${shQuote(wrapper)} ${agent} ${event}`;
}

export interface AgentSetupResult {
  agent: PlanAgent;
  file: string;
  /** written, current (nothing to do), removed, absent (nothing of ours), refused (tracked or unreadable). */
  outcome: 'written' | 'current' | 'removed' | 'absent' | 'refused';
  reason?: string;
}

function tracked(worktree: string, file: string): boolean {
  return gitTry(['ls-files', '--error-unmatch', '--', file], { cwd: worktree }) !== null;
}

function backupPath(gitDir: string, file: string): string {
  return join(gitDir, 'parallel-agents', file.replace(/\//g, '%'));
}

function readJson(path: string): { text: string; value: Record<string, unknown> } | 'absent' | Error {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 'absent';
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return new Error('it is not a JSON object');
    return { text, value: v as Record<string, unknown> };
  } catch (e) {
    return new Error(`it is not valid JSON (${(e as Error).message})`);
  }
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.parallel-tmp`, text);
  renameSync(`${path}.parallel-tmp`, path);
}

/** Install (or refresh) `agent`'s settings in one phase worktree. */
export function installAgent(wt: { path: string; gitDir: string; commonDir: string }, agent: PlanAgent, wrapper: string): AgentSetupResult {
  const spec = AGENT_SETTINGS[agent];
  const path = join(wt.path, spec.file);
  if (tracked(wt.path, spec.file)) return { agent, file: spec.file, outcome: 'refused', reason: `the repository tracks ${spec.file}, and parallel never writes a tracked file` };
  const cur = readJson(path);
  if (cur instanceof Error) return { agent, file: spec.file, outcome: 'refused', reason: `${spec.file} cannot be merged: ${cur.message}; fix it and run "parallel agents install"` };
  ensureExcluded(wt.commonDir, `/${spec.file}`, 'coding agent hook settings written by parallel');
  const before = cur === 'absent' ? {} : cur.value;
  const cmd = hookCommand(wrapper, agent);
  if (cur !== 'absent' && hasCurrent(before, agent, cmd)) return { agent, file: spec.file, outcome: 'current' };
  // The file as the user had it, saved once, so that remove gives it back byte for byte.
  const backup = backupPath(wt.gitDir, spec.file);
  const pristine = withoutOurs(before);
  // A file with nothing of ours is the user's as it is now (even if an older backup exists).
  const untouched = JSON.stringify(pristine) === JSON.stringify(before);
  if (untouched || !existsSync(backup)) writeAtomic(backup, cur === 'absent' ? '' : untouched ? cur.text : `${JSON.stringify(pristine, null, 2)}\n`);
  writeAtomic(path, `${JSON.stringify(withOurs(before, agent, cmd), null, 2)}\n`);
  return { agent, file: spec.file, outcome: 'written' };
}

/** Take out exactly what `installAgent` added. */
export function removeAgent(wt: { path: string; gitDir: string }, agent: PlanAgent): AgentSetupResult {
  const spec = AGENT_SETTINGS[agent];
  const path = join(wt.path, spec.file);
  const backup = backupPath(wt.gitDir, spec.file);
  if (tracked(wt.path, spec.file)) return { agent, file: spec.file, outcome: 'absent' };
  const cur = readJson(path);
  if (cur instanceof Error) return { agent, file: spec.file, outcome: 'refused', reason: `${spec.file} cannot be read: ${cur.message}` };
  if (cur === 'absent') {
    rmSync(backup, { force: true });
    return { agent, file: spec.file, outcome: 'absent' };
  }
  const left = withoutOurs(cur.value);
  if (JSON.stringify(left) === JSON.stringify(cur.value)) {
    rmSync(backup, { force: true });
    return { agent, file: spec.file, outcome: 'absent' };
  }
  const saved = existsSync(backup) ? readFileSync(backup, 'utf8') : undefined;
  if (saved === '' && Object.keys(left).length === 0) {
    rmSync(path);
    // The folder too, when we created it and nothing else is in it.
    try {
      if (readdirSync(dirname(path)).length === 0) rmdirSync(dirname(path));
    } catch {
      // not empty or not ours: leave it
    }
  } else if (saved !== undefined && saved !== '' && sameJson(saved, left)) {
    writeAtomic(path, saved);
  } else {
    writeAtomic(path, `${JSON.stringify(left, null, 2)}\n`);
  }
  rmSync(backup, { force: true });
  return { agent, file: spec.file, outcome: 'removed' };
}

function sameJson(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

/** Make one worktree match the plan's `agents:` list: install those, remove the others. */
export function applyAgents(wt: { path: string; gitDir: string; commonDir: string }, agents: readonly PlanAgent[]): AgentSetupResult[] {
  const wrapper = agents.length ? installWrapper(wt.commonDir) : '';
  const out: AgentSetupResult[] = [];
  for (const agent of Object.keys(AGENT_SETTINGS) as PlanAgent[]) {
    out.push(agents.includes(agent) ? installAgent(wt, agent, wrapper) : removeAgent(wt, agent));
  }
  return out;
}

/** What is wrong with `agent`'s settings in one worktree (doctor), or undefined when they are current. */
export function agentProblem(wt: { path: string; commonDir: string }, agent: PlanAgent): string | undefined {
  const spec = AGENT_SETTINGS[agent];
  if (tracked(wt.path, spec.file)) return `${agent} is not set up: the repository tracks ${spec.file}, and parallel never writes a tracked file`;
  const wrapper = join(parallelHooksDir({ commonDir: wt.commonDir }), WRAPPER_FILE);
  if (!existsSync(wrapper)) return `${agent}'s hooks would run ${wrapper}, which is missing`;
  const cur = readJson(join(wt.path, spec.file));
  if (cur === 'absent') return `${agent}'s hook settings (${spec.file}) are missing`;
  if (cur instanceof Error) return `${spec.file} cannot be read: ${cur.message}`;
  return hasCurrent(cur.value, agent, hookCommand(wrapper, agent)) ? undefined : `${agent}'s hook settings in ${spec.file} are out of date`;
}
