/**
 * `parallel agent-hook <agent> <event>`: the one entry every agent hook calls, with the agent's
 * JSON on stdin. The adapter (`core/agent-events.ts`) maps the payload; this handler decides.
 * It always acts for the worktree's own phase (the marker), never for a phase it is told.
 *   session-start       the brief as context; an `attach` event (agent, its session id)
 *   user-prompt-submit  running again; what is new for the phase as context
 *   pre-tool-use        judge edit targets and hook-skipping shell commands; exit 2 refuses
 *   post-tool-use       a heartbeat, at most one store write per session per 60 s
 *   notification, stop  waiting (permission / idle)
 *   stop-failure        an error event;  session-end: exited (shown waiting, exited)
 * Exit 2 is the refusal every supported agent documents; other failures exit 1 and the
 * configured wrapper (githooks/agent-hook.sh) turns them into a refusal for pre-tool-use.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandInput, CommandResult } from '../command.js';
import { usageError } from '../errors.js';
import { openRepoFast } from '../store/fast-context.js';
import { AGENTS, AGENT_EVENTS, CONTEXT_LIMIT, firstLine, fitContext, hookSkip, parsePayload, PayloadError, toAgentEvent, type AgentEvent, type AgentEventName, type AgentName } from '../core/agent-events.js';
import { AGENT_SETTINGS, agentStamp } from '../core/agent-settings.js';
import type { RepoContext } from '../git/repo.js';
import type { SessionTarget } from '../store/session-api.js';

/** One store write per session per this many ms for PostToolUse heartbeats. */
export const HEARTBEAT_EVERY = 60_000;
/** Exit status that refuses (Claude Code, Codex, Gemini CLI). */
const REFUSE = 2;

interface LocalState {
  /** Last heartbeat written to the store (ms). */
  wrote: number;
  /** Last tool call seen (ms), written on every call: the local timestamp. */
  seen: number;
  /** The phase is waiting in the store: the next sign of work is a change of state. */
  waiting: boolean;
  /** Newest event already shown to the agent as context (ISO). */
  shown: string;
}

function stateFile(ctx: RepoContext, session: string): string {
  return join(ctx.gitDir, `parallel-agent-${session.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

function readState(file: string): LocalState {
  try {
    return { wrote: 0, seen: 0, waiting: false, shown: '', ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalState>) };
  } catch {
    return { wrote: 0, seen: 0, waiting: false, shown: '' };
  }
}

function writeState(file: string, s: LocalState): void {
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, file);
}

export async function run(input: CommandInput): Promise<CommandResult> {
  const [agent, event] = input.args as [AgentName | undefined, AgentEventName | undefined];
  if (!agent || !(AGENTS as readonly string[]).includes(agent) || !event || !(AGENT_EVENTS as readonly string[]).includes(event) || input.args.length !== 2) {
    throw usageError(`parallel: agent-hook takes an agent (${AGENTS.join(', ')}) and an event (${AGENT_EVENTS.join(', ')}), with the agent's JSON on stdin. It is called by the hook settings "parallel agents install" writes.`);
  }
  let ev: AgentEvent;
  try {
    ev = toAgentEvent(agent, event, parsePayload(readFileSync(0, 'utf8')));
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e;
    input.io.err(`parallel: ${e.message}; agent-hook ${agent} ${event} expects the JSON the agent writes on a hook's stdin.${event === 'pre-tool-use' ? ' The edit was refused because it could not be checked.' : ''}`);
    return { exitCode: event === 'pre-tool-use' ? REFUSE : 1, text: '' };
  }
  const ctx = openRepoFast(ev.cwd ?? input.cwd);
  const marker = ctx.marker;
  // Not a phase worktree (the settings outlived it): nothing to report, nothing to judge.
  if (!marker) return { text: '' };
  // An agent whose settings every worktree shares (Codex's, in the main checkout) acts only in the
  // worktrees that have it set up.
  if (AGENT_SETTINGS[agent].inMainCheckout && !existsSync(agentStamp(ctx.gitDir, agent))) return { text: '' };
  const target: SessionTarget = { phase: marker.phase, session: marker.session, workspace: marker.workspace, inWorktree: true, reviewer: Boolean(marker.reviewer) };
  const file = stateFile(ctx, target.session);
  const now = Date.now();
  // Loaded only by events that write: the edit check stays small.
  const record: typeof import('../store/session-api.js').record = async (...a) => (await import('../store/session-api.js')).record(...a);

  switch (ev.event) {
    case 'pre-tool-use': {
      const reasons: string[] = [];
      if (ev.command !== undefined) {
        const why = hookSkip(ev.command);
        if (why) reasons.push(`parallel: this command is refused because ${why}. Commit normally; the check only refuses paths phase ${target.phase} does not own.`);
      }
      if (ev.paths.length) {
        const { judgeEditTargets } = await import('../enforce/agent-edit.js');
        reasons.push(...await judgeEditTargets(ctx, target, ev.cwd ?? input.cwd, ev.paths));
      }
      if (reasons.length === 0) return { text: '' };
      input.io.err(reasons.join('\n'));
      return { exitCode: REFUSE, text: '' };
    }
    case 'post-tool-use': {
      const s = readState(file);
      const write = s.waiting || now - s.wrote >= HEARTBEAT_EVERY;
      if (write) {
        await record(ctx, target, { type: 'heartbeat', metadata: { agent } });
        s.wrote = now;
        s.waiting = false;
      }
      s.seen = now;
      writeState(file, s);
      return { text: '' };
    }
    case 'session-start': {
      await record(ctx, target, { type: 'attach', agent, agent_session: ev.sessionId, ...(ev.source ? { message: `${agent} session ${ev.source}` } : {}) });
      const s = readState(file);
      s.wrote = now;
      s.waiting = false;
      s.shown = new Date(now).toISOString();
      writeState(file, s);
      const brief = await import('./brief.js');
      const text = (await brief.run({ ...input, args: [], cwd: ctx.toplevel })).text ?? '';
      return { text: fitContext(`${text}\n`, CONTEXT_LIMIT, join(ctx.toplevel, '.parallel', 'BRIEF.md')) };
    }
    case 'user-prompt-submit': {
      await record(ctx, target, { type: 'heartbeat', metadata: { agent } });
      const s = readState(file);
      const { newsFor } = await import('../worktrees/agent-news.js');
      const news = newsFor(ctx, target.phase, s.shown);
      s.wrote = now;
      s.waiting = false;
      if (news.newest) s.shown = news.newest;
      writeState(file, s);
      return { text: news.text };
    }
    case 'notification':
    case 'stop': {
      if (ev.event === 'notification' && ev.kind !== 'permission_prompt' && ev.kind !== 'idle_prompt') return { text: '' };
      const reason = ev.event === 'notification' && ev.kind === 'permission_prompt' ? 'permission' : 'idle';
      const message = firstLine(ev.message);
      await record(ctx, target, { type: 'waiting', reason, ...(message ? { message } : {}) });
      writeState(file, { ...readState(file), waiting: true });
      return { text: '' };
    }
    case 'stop-failure': {
      await record(ctx, target, { type: 'error', message: `${agent} stopped on an error${ev.message ? `: ${firstLine(ev.message)}` : ''}` });
      return { text: '' };
    }
    case 'session-end': {
      await record(ctx, target, { type: 'exited', agent, agent_session: ev.sessionId });
      writeState(file, { ...readState(file), waiting: true });
      return { text: '' };
    }
  }
}
