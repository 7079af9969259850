/**
 * Writing and taking out coding agents' hook settings in phase worktrees (`parallel start`,
 * `parallel agents install|remove`). A file the repository tracks is never written (that agent is
 * reported as not set up, with the reason); what is written is kept out of `git status` through
 * the repository's `info/exclude`; the user's own settings are kept, and the file as it was before
 * the first install is saved in the worktree's git dir so that `remove` restores it exactly.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gitTry } from '../git/git.js';
import { AGENT_SETTINGS, agentStamp, hasCurrent, withOurs, withoutOurs } from '../core/agent-settings.js';
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

type Wt = { path: string; gitDir: string; commonDir: string };

/** A stamp's content when parallel made the worktree's (empty) agent config folder. */
const LAYER_MADE = 'made-folder\n';

/**
 * Where `agent` reads this worktree's settings: the worktree (`dir`), or, for an agent that reads
 * them from the main checkout, the main worktree (then the backup lives in the common dir). `shown`
 * names the file for the user.
 */
function location(wt: Wt, agent: PlanAgent): { dir: string; backupDir: string; shown: string } | { refused: string } {
  const spec = AGENT_SETTINGS[agent];
  if (!spec.inMainCheckout) return { dir: wt.path, backupDir: wt.gitDir, shown: spec.file };
  if (basename(wt.commonDir) !== '.git') return { refused: `${agent} reads a linked worktree's hooks from the main checkout's ${spec.file}, and this repository has no main checkout` };
  const main = dirname(wt.commonDir);
  return { dir: main, backupDir: wt.commonDir, shown: join(main, spec.file) };
}

/** Whether another linked worktree of the clone than `wt` has `agent` set up (its stamp). */
function othersUse(wt: Wt, agent: PlanAgent): string[] {
  let names: string[];
  try {
    names = readdirSync(join(wt.commonDir, 'worktrees'));
  } catch {
    return [];
  }
  return names.map((n) => join(wt.commonDir, 'worktrees', n)).filter((g) => g !== wt.gitDir && existsSync(agentStamp(g, agent)));
}

/** Install (or refresh) `agent`'s settings in one phase worktree. */
export function installAgent(wt: Wt, agent: PlanAgent, wrapper: string): AgentSetupResult {
  const spec = AGENT_SETTINGS[agent];
  const loc = location(wt, agent);
  if ('refused' in loc) return { agent, file: spec.file, outcome: 'refused', reason: loc.refused };
  const path = join(loc.dir, spec.file);
  if (tracked(loc.dir, spec.file)) return { agent, file: loc.shown, outcome: 'refused', reason: `the repository tracks ${loc.shown}, and parallel never writes a tracked file` };
  const cur = readJson(path);
  if (cur instanceof Error) return { agent, file: loc.shown, outcome: 'refused', reason: `${loc.shown} cannot be merged: ${cur.message}; fix it and run "parallel agents install"` };
  ensureExcluded(wt.commonDir, `/${spec.file}`, 'coding agent hook settings written by parallel');
  const stamp = spec.inMainCheckout ? agentStamp(wt.gitDir, agent) : undefined;
  let stamped = stamp === undefined || existsSync(stamp);
  if (stamp) {
    // Codex loads the main checkout's hooks only for a worktree that has a config folder of its
    // own (an empty one is enough; git shows no empty folder). The stamp says whether we made it.
    const layer = join(wt.path, dirname(spec.file));
    const made = !existsSync(layer);
    if (made) mkdirSync(layer, { recursive: true });
    if (!stamped) writeAtomic(stamp, made ? LAYER_MADE : '');
    else if (made) {
      writeAtomic(stamp, LAYER_MADE);
      stamped = false;
    }
  }
  const before = cur === 'absent' ? {} : cur.value;
  const cmd = hookCommand(wrapper, agent);
  if (cur !== 'absent' && hasCurrent(before, agent, cmd)) return { agent, file: loc.shown, outcome: stamped ? 'current' : 'written' };
  // The file as the user had it, saved once, so that remove gives it back byte for byte.
  const backup = backupPath(loc.backupDir, spec.file);
  const pristine = withoutOurs(before);
  // A file with nothing of ours is the user's as it is now (even if an older backup exists).
  const untouched = JSON.stringify(pristine) === JSON.stringify(before);
  if (untouched || !existsSync(backup)) writeAtomic(backup, cur === 'absent' ? '' : untouched ? cur.text : `${JSON.stringify(pristine, null, 2)}\n`);
  writeAtomic(path, `${JSON.stringify(withOurs(before, agent, cmd), null, 2)}\n`);
  return { agent, file: loc.shown, outcome: 'written' };
}

/** Take out exactly what `installAgent` added (a shared file only when no other worktree uses it). */
export function removeAgent(wt: Wt, agent: PlanAgent): AgentSetupResult {
  const spec = AGENT_SETTINGS[agent];
  const loc = location(wt, agent);
  if ('refused' in loc) return { agent, file: spec.file, outcome: 'absent' };
  if (spec.inMainCheckout) {
    const stamp = agentStamp(wt.gitDir, agent);
    const had = existsSync(stamp);
    const made = had && readFileSync(stamp, 'utf8') === LAYER_MADE;
    rmSync(stamp, { force: true });
    if (made) {
      try {
        rmdirSync(join(wt.path, dirname(spec.file)));
      } catch {
        // not empty: the user's now
      }
    }
    if (othersUse(wt, agent).length) return { agent, file: `${loc.shown} (kept: other phase worktrees use it)`, outcome: had ? 'removed' : 'absent' };
  }
  const path = join(loc.dir, spec.file);
  const backup = backupPath(loc.backupDir, spec.file);
  if (tracked(loc.dir, spec.file)) return { agent, file: loc.shown, outcome: 'absent' };
  const cur = readJson(path);
  if (cur instanceof Error) return { agent, file: loc.shown, outcome: 'refused', reason: `${loc.shown} cannot be read: ${cur.message}` };
  if (cur === 'absent') {
    rmSync(backup, { force: true });
    return { agent, file: loc.shown, outcome: 'absent' };
  }
  const left = withoutOurs(cur.value);
  if (JSON.stringify(left) === JSON.stringify(cur.value)) {
    rmSync(backup, { force: true });
    return { agent, file: loc.shown, outcome: 'absent' };
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
  return { agent, file: loc.shown, outcome: 'removed' };
}

function sameJson(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

/** Make one worktree match the plan's `agents:` list: install those, remove the others. */
export function applyAgents(wt: Wt, agents: readonly PlanAgent[]): AgentSetupResult[] {
  const wrapper = agents.length ? installWrapper(wt.commonDir) : '';
  const out: AgentSetupResult[] = [];
  for (const agent of Object.keys(AGENT_SETTINGS) as PlanAgent[]) {
    out.push(agents.includes(agent) ? installAgent(wt, agent, wrapper) : removeAgent(wt, agent));
  }
  return out;
}

/** What is wrong with `agent`'s settings in one worktree (doctor), or undefined when they are current. */
export function agentProblem(wt: Wt, agent: PlanAgent): string | undefined {
  const spec = AGENT_SETTINGS[agent];
  const loc = location(wt, agent);
  if ('refused' in loc) return `${agent} is not set up: ${loc.refused}`;
  if (tracked(loc.dir, spec.file)) return `${agent} is not set up: the repository tracks ${loc.shown}, and parallel never writes a tracked file`;
  const wrapper = join(parallelHooksDir({ commonDir: wt.commonDir }), WRAPPER_FILE);
  if (!existsSync(wrapper)) return `${agent}'s hooks would run ${wrapper}, which is missing`;
  const cur = readJson(join(loc.dir, spec.file));
  if (cur === 'absent') return `${agent}'s hook settings (${loc.shown}) are missing`;
  if (cur instanceof Error) return `${loc.shown} cannot be read: ${cur.message}`;
  if (!hasCurrent(cur.value, agent, hookCommand(wrapper, agent))) return `${agent}'s hook settings in ${loc.shown} are out of date`;
  if (spec.inMainCheckout && !existsSync(agentStamp(wt.gitDir, agent))) return `${agent}'s hooks in ${loc.shown} are not turned on for this worktree`;
  if (spec.inMainCheckout && !existsSync(join(wt.path, dirname(spec.file)))) return `${agent} runs the hooks in ${loc.shown} only for a worktree with a ${dirname(spec.file)} folder, and this one has none`;
  return undefined;
}
