/**
 * Coding agents' hook payloads mapped onto one common event (pure). Each agent's adapter only
 * renames: which hook it is, the agent's own session id, the paths an edit targets, the shell
 * command a tool runs, the message of a notification or of the end of a turn. Unknown fields
 * are ignored. One handler (`workflows/agent-hook.ts`) decides what every event means.
 */

export const AGENTS = ['claude', 'codex', 'gemini'] as const;
export type AgentName = (typeof AGENTS)[number];

/** The common events, named after Claude Code's (the others map onto them). */
export const AGENT_EVENTS = [
  'session-start', 'user-prompt-submit', 'pre-tool-use', 'post-tool-use', 'notification', 'stop', 'stop-failure', 'session-end',
] as const;
export type AgentEventName = (typeof AGENT_EVENTS)[number];

export interface AgentEvent {
  agent: AgentName;
  event: AgentEventName;
  /** The agent's own session id ('' when its payload has none). */
  sessionId: string;
  cwd?: string;
  /** SessionStart's source: startup, resume, clear, compact. */
  source?: string;
  tool?: string;
  /** Absolute or cwd-relative paths an edit targets. */
  paths: string[];
  /** The shell command of a shell tool. */
  command?: string;
  /** Notification type (`permission_prompt`, `idle_prompt`) or StopFailure's error. */
  kind?: string;
  message?: string;
}

/** Tools that edit files, by agent (Codex edits through apply_patch). */
const EDIT_TOOLS = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'apply_patch', 'write_file', 'replace', 'edit_file']);
const SHELL_TOOLS = new Set(['Bash', 'shell', 'local_shell', 'exec_command', 'run_shell_command', 'Shell']);

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The files a Codex/`apply_patch` patch names (Add, Update, Delete and Move-to lines). */
export function patchPaths(patch: string): string[] {
  const out: string[] = [];
  for (const line of patch.split(/\r?\n/)) {
    const m = /^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+)$/.exec(line);
    if (m) out.push(m[1]!.trim());
  }
  return out;
}

function editPaths(tool: string | undefined, input: Record<string, unknown>): string[] {
  if (!tool || !EDIT_TOOLS.has(tool)) return [];
  if (tool === 'apply_patch') {
    const patch = str(input.command) ?? str(input.patch) ?? str(input.input) ?? '';
    return patchPaths(patch);
  }
  const p = str(input.file_path) ?? str(input.notebook_path) ?? str(input.path) ?? str(input.absolute_path);
  return p ? [p] : [];
}

export class PayloadError extends Error {}

/** Parse the JSON an agent writes on the hook's stdin; PayloadError when it is not an object. */
export function parsePayload(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new PayloadError(`the hook's input is not JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new PayloadError('the hook\'s input is not a JSON object');
  return v as Record<string, unknown>;
}

/** Map one agent's payload for `event` (the name in the configured command) onto the common event. */
export function toAgentEvent(agent: AgentName, event: AgentEventName, p: Record<string, unknown>): AgentEvent {
  const input = (p.tool_input && typeof p.tool_input === 'object' ? p.tool_input : {}) as Record<string, unknown>;
  const tool = str(p.tool_name);
  const shellCommand = tool && SHELL_TOOLS.has(tool) ? (str(input.command) ?? (Array.isArray(input.command) ? (input.command as unknown[]).map(String).join(' ') : undefined)) : undefined;
  const sessionId = str(p.session_id) ?? str(p.conversation_id) ?? str(p['thread-id']) ?? str(p.thread_id) ?? '';
  const message = event === 'stop'
    ? str(p.last_assistant_message) ?? str(p['last-assistant-message'])
    : event === 'stop-failure' ? str(p.error) ?? str(p.message) : str(p.message);
  const ev: AgentEvent = { agent, event, sessionId, paths: editPaths(tool, input) };
  const cwd = str(p.cwd);
  if (cwd) ev.cwd = cwd;
  const source = str(p.source);
  if (source) ev.source = source;
  if (tool) ev.tool = tool;
  if (shellCommand !== undefined) ev.command = shellCommand;
  const kind = str(p.notification_type) ?? str(p.error_type);
  if (kind) ev.kind = kind;
  if (message !== undefined) ev.message = message;
  return ev;
}

/**
 * Whether a shell command would skip parallel's git hooks: `git commit --no-verify`/`-n`,
 * `git -c core.hooksPath=...`, `PARALLEL=0`. A heuristic over the text (the pre-commit and
 * reference-transaction hooks stay the backstop); returns the reason, or undefined.
 */
export function hookSkip(command: string): string | undefined {
  if (/(^|[\s;&|(])PARALLEL=(0|''|""|\s|$)/.test(command) || /\bexport\s+PARALLEL=0\b/.test(command)) return 'it sets PARALLEL=0, which turns the ownership check off';
  if (/core\.hookspath/i.test(command)) return 'it changes core.hooksPath, which points git away from the ownership check';
  if (/--no-verify\b/.test(command)) return 'it passes --no-verify, which skips the ownership check';
  for (const part of command.split(/&&|\|\||[;|\n]/)) {
    const m = /\bgit\b(.*?)\b(commit)\b(.*)$/.exec(part);
    if (m && /(^|\s)-[a-zA-Z]*n[a-zA-Z]*(\s|$)/.test(m[3]!)) return 'it runs "git commit -n", which skips the ownership check';
  }
  return undefined;
}

/** The first line of a message, shortened for the dashboard. */
export function firstLine(text: string | undefined, max = 120): string | undefined {
  if (text === undefined) return undefined;
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '')?.trim() ?? '';
  if (line === '') return undefined;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** SessionStart context within an agent's limit: the whole brief, or its essentials and the file's path. */
export function fitContext(text: string, limit: number, briefPath: string): string {
  if (text.length <= limit) return text;
  const tail = `\n\n[The brief is longer than the agent's context limit for hooks; the whole brief is in ${briefPath}.]\n`;
  return text.slice(0, limit - tail.length) + tail;
}

/** Context limit of SessionStart output per agent (Claude Code caps it at 10,000 characters). */
export const CONTEXT_LIMIT = 10_000;
