/**
 * Where the compiled rules live, without the compiler (the agents' edit check reads them on every
 * edit and must stay small), and the plan blob the shell hooks last recorded for base.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shQuote, shUnquoteInside } from '../core/shell-quote.js';

/** The plan's ownership as JSON, for the agents' edit check (Node without the YAML parser). */
export const OWNERSHIP_JSON = '.ownership.json';

export function rulesRoot(ctx: { commonDir: string }): string {
  return join(ctx.commonDir, 'parallel', 'rules');
}

/**
 * The plan blob on base from the git hooks' state file (githooks/parallel.sh, `pl_state_fresh`),
 * when it is still fresh: no config file it lists is newer, and base's loose ref still points at
 * the recorded commit. Undefined otherwise (the caller asks git).
 */
export function freshPlanBlob(commonDir: string): string | undefined {
  return stateBlob(commonDir, 'hook-state') ?? stateBlob(commonDir, AGENT_STATE);
}

/**
 * The agents' own record of the same fact, in the hook state's format, for a repository where no
 * git hook has run since base last moved (a fresh worktree, a plan just committed): written when
 * the edit check had to ask git, and judged fresh by the same rules.
 */
const AGENT_STATE = 'agent-state';

export function recordPlanBlob(commonDir: string, base: string, baseOid: string, blob: string): void {
  try {
    const dir = join(commonDir, 'parallel', 'cache');
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `.${AGENT_STATE}-${process.pid}`);
    writeFileSync(tmp, formatHookState({ base, baseOid, blob, userHooks: '', files: [join(commonDir, 'config')] }));
    renameSync(tmp, join(dir, AGENT_STATE));
  } catch {
    // a read-only cache only costs the next edit two git calls
  }
}

function stateBlob(commonDir: string, name: string): string | undefined {
  try {
    const file = join(commonDir, 'parallel', 'cache', name);
    const at = statSync(file).mtimeMs;
    const state = parseHookState(readFileSync(file, 'utf8'));
    if (!state) return undefined;
    const { base, baseOid, blob, files } = state;
    if (!base || !baseOid || !blob) return undefined;
    for (const f of files) if (f && statSync(f, { throwIfNoEntry: false }) && statSync(f).mtimeMs > at) return undefined;
    if (readFileSync(join(commonDir, 'refs', 'heads', base), 'utf8').trim() !== baseOid) return undefined;
    return blob;
  } catch {
    return undefined;
  }
}

/**
 * The hook state file: shell assignments the hooks source (githooks/parallel.sh `pl_state_read`,
 * and the hook file's own shortcut), since dash's `read` takes one byte per system call. The first
 * line names the format; values are single-quoted, a `'` written as `'\''`.
 */
export const HOOK_STATE_HEAD = '# parallel-hook-state 2';

export interface HookState {
  base: string;
  baseOid: string;
  blob: string;
  /** `-` when the repository sets no core.hooksPath, else `=<value>`; '' where unknown. */
  userHooks: string;
  /** The config files the state came from (newer than the state file: stale). */
  files: string[];
}

const STATE_KEYS = { base: 'pl_base', baseOid: 'pl_base_oid', blob: 'pl_blob', userHooks: 'pl_uh' } as const;

export function formatHookState(state: HookState): string {
  const lines = [HOOK_STATE_HEAD];
  for (const [key, name] of Object.entries(STATE_KEYS)) lines.push(`${name}=${shQuote(state[key as keyof typeof STATE_KEYS])}`);
  lines.push(`pl_files=${shQuote(state.files.join('\n'))}`);
  return lines.join('\n') + '\n';
}

/** The state, or undefined for another format or a file that does not read as one. */
export function parseHookState(text: string): HookState | undefined {
  if (!text.startsWith(HOOK_STATE_HEAD + '\n')) return undefined;
  const values = new Map<string, string>();
  const assignment = /^(pl_[a-z_]+)='((?:[^']|'\\'')*)'$/gm;
  for (const m of text.slice(HOOK_STATE_HEAD.length + 1).matchAll(assignment)) values.set(m[1]!, shUnquoteInside(m[2]!));
  const get = (name: string): string | undefined => values.get(name);
  const base = get(STATE_KEYS.base);
  const baseOid = get(STATE_KEYS.baseOid);
  const blob = get(STATE_KEYS.blob);
  const userHooks = get(STATE_KEYS.userHooks);
  const files = get('pl_files');
  if (base === undefined || baseOid === undefined || blob === undefined || userHooks === undefined || files === undefined) return undefined;
  return { base, baseOid, blob, userHooks, files: files.split('\n').filter(Boolean) };
}
