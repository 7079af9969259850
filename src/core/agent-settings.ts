/**
 * The hook settings each agent reads, as data (pure): which file, which of its events call which
 * of ours, and merging into / taking out of a user's existing file. Our entries are recognised by
 * their command (it runs parallel's agent-hook wrapper), so the user's keys and hooks survive both
 * ways, and a second install replaces ours instead of adding a copy.
 */
import type { AgentEventName } from './agent-events.js';
import type { PlanAgent } from './plan.js';

export interface AgentSettingsSpec {
  /** The file, relative to the worktree. */
  file: string;
  /**
   * The agent reads a linked worktree's project settings from the main checkout, not from the
   * worktree (Codex: a linked worktree's project hooks come from the root checkout's
   * `.codex/hooks.json`, one file and one trust for all the repository's worktrees). The file is
   * then shared by every phase worktree of the clone; each worktree that has the agent set up
   * holds a stamp (`agentStamp`), and the handler acts only where it finds one.
   */
  inMainCheckout?: boolean;
  /** The agent's event name -> ours, with a tool matcher where the agent takes one. */
  events: { name: string; ours: AgentEventName; matcher?: string; timeout?: number }[];
}

/** Edits and shell commands are judged before they run. */
const EDIT_MATCHER = 'Edit|Write|MultiEdit|NotebookEdit|Bash';
/** Seconds; generous so that it is never hit in normal use (a timed-out hook decides nothing). */
const PRE_TOOL_TIMEOUT = 60;

export const AGENT_SETTINGS: Record<PlanAgent, AgentSettingsSpec> = {
  claude: {
    file: '.claude/settings.local.json',
    events: [
      { name: 'SessionStart', ours: 'session-start' },
      { name: 'UserPromptSubmit', ours: 'user-prompt-submit' },
      { name: 'PreToolUse', ours: 'pre-tool-use', matcher: EDIT_MATCHER, timeout: PRE_TOOL_TIMEOUT },
      { name: 'PostToolUse', ours: 'post-tool-use' },
      { name: 'Notification', ours: 'notification' },
      { name: 'Stop', ours: 'stop' },
      { name: 'StopFailure', ours: 'stop-failure' },
      { name: 'SessionEnd', ours: 'session-end' },
    ],
  },
  codex: {
    file: '.codex/hooks.json',
    inMainCheckout: true,
    events: [
      { name: 'SessionStart', ours: 'session-start' },
      { name: 'UserPromptSubmit', ours: 'user-prompt-submit' },
      // Codex names its shell tool (exec_command, shell) "Bash" in hook payloads and matchers.
      { name: 'PreToolUse', ours: 'pre-tool-use', matcher: 'apply_patch|Bash|shell|local_shell|exec_command', timeout: PRE_TOOL_TIMEOUT },
      { name: 'PostToolUse', ours: 'post-tool-use' },
      { name: 'Stop', ours: 'stop' },
      { name: 'SessionEnd', ours: 'session-end' },
    ],
  },
  gemini: {
    file: '.gemini/settings.json',
    events: [
      { name: 'SessionStart', ours: 'session-start' },
      { name: 'BeforeTool', ours: 'pre-tool-use', matcher: 'write_file|replace|run_shell_command', timeout: PRE_TOOL_TIMEOUT * 1000 },
      { name: 'AfterTool', ours: 'post-tool-use' },
      { name: 'Notification', ours: 'notification' },
      { name: 'SessionEnd', ours: 'session-end' },
    ],
  },
};

/** The stamp, in a worktree's own git dir, saying an `inMainCheckout` agent is set up there. */
export function agentStamp(gitDir: string, agent: PlanAgent): string {
  return `${gitDir}/parallel-agents/${agent}.on`;
}

/** Text every command of ours contains (the wrapper's file name). */
export const OUR_MARK = 'parallel/hooks/agent-hook.sh';

type Json = Record<string, unknown>;
interface HookGroup { matcher?: string; hooks?: { command?: unknown }[] }

function isOurs(h: { command?: unknown }): boolean {
  return typeof h.command === 'string' && h.command.includes(OUR_MARK);
}

/** `settings` without any of our hooks (groups and event lists left empty by that are dropped). */
export function withoutOurs(settings: Json): Json {
  const out: Json = { ...settings };
  const hooks = settings.hooks;
  if (!hooks || typeof hooks !== 'object' || Array.isArray(hooks)) return out;
  const kept: Json = {};
  for (const [event, groups] of Object.entries(hooks as Json)) {
    if (!Array.isArray(groups)) { kept[event] = groups; continue; }
    const list = (groups as HookGroup[]).flatMap((g) => {
      if (!g || typeof g !== 'object' || !Array.isArray(g.hooks)) return [g];
      const inner = g.hooks.filter((h) => !isOurs(h));
      if (inner.length === g.hooks.length) return [g];
      return inner.length ? [{ ...g, hooks: inner }] : [];
    });
    if (list.length) kept[event] = list;
  }
  if (Object.keys(kept).length) out.hooks = kept;
  else delete out.hooks;
  return out;
}

/** `settings` with our hooks for `agent` (any earlier ones of ours replaced). */
export function withOurs(settings: Json, agent: PlanAgent, command: (event: AgentEventName) => string): Json {
  const out = withoutOurs(settings);
  const hooks = { ...((out.hooks as Json | undefined) ?? {}) };
  for (const e of AGENT_SETTINGS[agent].events) {
    const hook = { type: 'command', command: command(e.ours), ...(e.timeout ? { timeout: e.timeout } : {}) };
    const group = { ...(e.matcher ? { matcher: e.matcher } : {}), hooks: [hook] };
    hooks[e.name] = [...((hooks[e.name] as unknown[] | undefined) ?? []), group];
  }
  out.hooks = hooks;
  return out;
}

/** Whether `settings` holds exactly our current hooks for `agent` (doctor's "stale" check). */
export function hasCurrent(settings: Json, agent: PlanAgent, command: (event: AgentEventName) => string): boolean {
  return JSON.stringify(withOurs(settings, agent, command)) === JSON.stringify(settings);
}
