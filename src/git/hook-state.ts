/**
 * The cached facts about base that the git hooks keep (`<common>/parallel/cache/hook-state`,
 * written by githooks/parallel.sh `pl_refresh_state`) and the agents' edit check keeps where no
 * hook has run since base moved (`agent-state`, same format): base's name and where it came from,
 * its commit, the plan blob on it, the repository's core.hooksPath, and the config files they
 * were read from. Fresh while no listed config file is newer than the state file and base's loose
 * ref still holds the recorded commit; then a command can skip `git config` and `git rev-parse`.
 *
 * The file is shell assignments that the hooks source (dash's `read` takes one byte per system
 * call); the first line names the format; values are single-quoted, a `'` written as `'\''`.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shQuote, shUnquoteInside } from '../core/shell-quote.js';

export const HOOK_STATE_HEAD = '# parallel-hook-state 2';

export interface HookState {
  base: string;
  /** `config` when base is `parallel.base`, `head` when the main worktree's branch; '' unknown. */
  baseFrom: string;
  baseOid: string;
  blob: string;
  /** `-` when the repository sets no core.hooksPath, else `=<value>`; '' where unknown. */
  userHooks: string;
  files: string[];
}

const KEYS = { base: 'pl_base', baseFrom: 'pl_base_from', baseOid: 'pl_base_oid', blob: 'pl_blob', userHooks: 'pl_uh' } as const;

export function formatHookState(state: HookState): string {
  const lines = [HOOK_STATE_HEAD];
  for (const [key, name] of Object.entries(KEYS)) lines.push(`${name}=${shQuote(state[key as keyof typeof KEYS])}`);
  lines.push(`pl_files=${shQuote(state.files.join('\n'))}`);
  return lines.join('\n') + '\n';
}

/** The state, or undefined for another format or a file that does not read as one. */
export function parseHookState(text: string): HookState | undefined {
  if (!text.startsWith(HOOK_STATE_HEAD + '\n')) return undefined;
  const values = new Map<string, string>();
  for (const m of text.slice(HOOK_STATE_HEAD.length + 1).matchAll(/^(pl_[a-z_]+)='((?:[^']|'\\'')*)'$/gm)) {
    values.set(m[1]!, shUnquoteInside(m[2]!));
  }
  const [base, baseOid, blob, userHooks, files] = [KEYS.base, KEYS.baseOid, KEYS.blob, KEYS.userHooks, 'pl_files'].map((k) => values.get(k));
  if (base === undefined || baseOid === undefined || blob === undefined || userHooks === undefined || files === undefined) return undefined;
  return { base, baseFrom: values.get(KEYS.baseFrom) ?? '', baseOid, blob, userHooks, files: files.split('\n').filter(Boolean) };
}

/**
 * How far a reader trusts the caches under the common git dir. Every session can write them, so
 * what judges work for base (verify, integrate, doctor) asks git and parses the plan itself:
 * `verified`. Everything else may take the cached answers.
 */
export interface CacheTrust {
  verified?: boolean;
}

const AGENT_STATE = 'agent-state';

/**
 * The freshest state with base, its commit and plan blob known: the hooks' first, else the
 * agents'. Undefined when neither is fresh, or when this process's git configuration may differ
 * from what the state was read with (`git -c`, GIT_CONFIG_COUNT).
 */
export function freshHookState(commonDir: string): HookState | undefined {
  if (oneOffConfig()) return undefined;
  return freshFile(commonDir, 'hook-state') ?? freshFile(commonDir, AGENT_STATE);
}

/** Configuration given to this process only (`git -c`, GIT_CONFIG_COUNT): never cached, never trusted from a cache. */
function oneOffConfig(): boolean {
  return Boolean(process.env.GIT_CONFIG_PARAMETERS || process.env.GIT_CONFIG_COUNT);
}

/** Record base (from `parallel.base`), its commit and plan blob as the agents' state. */
export function recordAgentState(commonDir: string, base: string, baseOid: string, blob: string): void {
  // A one-off parallel.base would otherwise become every later command's base.
  if (oneOffConfig()) return;
  try {
    const dir = join(commonDir, 'parallel', 'cache');
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `.${AGENT_STATE}-${process.pid}`);
    writeFileSync(tmp, formatHookState({ base, baseFrom: 'config', baseOid, blob, userHooks: '', files: [join(commonDir, 'config')] }));
    renameSync(tmp, join(dir, AGENT_STATE));
  } catch {
    // a read-only cache only costs the next command two git calls
  }
}

function freshFile(commonDir: string, name: string): HookState | undefined {
  try {
    const file = join(commonDir, 'parallel', 'cache', name);
    const at = statSync(file).mtimeMs;
    const state = parseHookState(readFileSync(file, 'utf8'));
    if (!state || !state.base || !state.baseOid || !state.blob) return undefined;
    for (const f of state.files) if (f && statSync(f, { throwIfNoEntry: false }) && statSync(f).mtimeMs > at) return undefined;
    if (readFileSync(join(commonDir, 'refs', 'heads', state.base), 'utf8').trim() !== state.baseOid) return undefined;
    return state;
  } catch {
    return undefined;
  }
}
