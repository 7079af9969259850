/**
 * The session brief: markdown a fresh agent can work from alone (task, what it may change, what
 * it must not touch, what it builds on, checklist, environment, and the exact commands to report
 * progress and finish). Pure: the caller gathers the data (`gatherBriefData`), including the
 * live parts from the coordination store, which are optional here.
 */
import { formatDuration } from './duration.js';

export interface BriefChecklistItem {
  text: string;
  verify?: string;
  /** Ticked (from the store), when known. */
  done?: boolean;
}

export interface BriefNeed {
  id: string;
  task: string;
  /** What the needed phase delivered (from the store), when known. */
  delivered?: { message?: string; handoff?: string; outputs?: string[] };
}

export interface BriefData {
  workspace: string;
  base: string;
  phase: {
    id: string;
    task: string;
    owns: string[];
    exclude: string[];
    criteria: string[];
    checklist: BriefChecklistItem[];
    /** Set for a reviewer phase. */
    reviews?: string;
  };
  session: string;
  /** The branch (undefined for a reviewer: its worktree is detached). */
  branch?: string;
  /** For a reviewer: the reviewed phase, its task and owned paths, and the tip under review. */
  reviewed?: { id: string; task: string; owns: string[]; tip?: string };
  port?: number;
  /** Relative to the worktree: `.parallel/scratch/<session>/`. */
  scratchDir: string;
  shared: string[];
  /** Phases that may run at the same time, with what they own (do not touch). */
  concurrent: { id: string; owns: string[] }[];
  needs: BriefNeed[];
  /** Decisions so far (from the store), when known. */
  decisions?: { at: string; text: string }[];
  /** Handoff left by an earlier session of this phase (a relay), when known. */
  handoff?: string;
  test?: string;
  /** Milliseconds; the dashboard calls a session stale after this long without a heartbeat. */
  heartbeatTimeout: number;
  /** Coding agents whose hooks parallel sets up in this worktree (plan key `agents:`). */
  agents?: string[];
}

const AGENT_COMMANDS: Record<string, string> = { claude: 'claude', codex: 'codex', gemini: 'gemini' };

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const list = (items: string[]) => items.map((s) => `- ${s}`);
const quoteBlock = (text: string) => text.trim().split('\n').map((l) => `  > ${l}`);

export function renderBrief(d: BriefData): string {
  const p = d.phase;
  const out: string[] = [];
  out.push(`# Brief: ${p.id} (${d.workspace})`, '');
  if (p.reviews && d.reviewed) {
    const at = d.reviewed.tip ? ` at commit ${code(d.reviewed.tip.slice(0, 12))}` : '';
    out.push(
      `You are session ${code(d.session)}, reviewing phase **${d.reviewed.id}**${at}. This worktree is checked out`,
      'detached at that commit: read, run and test it, but every commit here is refused.',
      'Other sessions work other phases at the same time in their own worktrees.', '',
      `## What ${d.reviewed.id} was asked to do`, d.reviewed.task || '(no task text)', '',
      `It owns: ${d.reviewed.owns.map(code).join(', ') || '(nothing)'}`, '',
      '## Review criteria',
      ...(p.criteria.length ? list(p.criteria) : ['- (none listed: judge correctness, tests and ownership)']), '',
    );
  } else {
    out.push(
      `You are session ${code(d.session)}, working phase **${p.id}** alone in this git worktree on branch`,
      `${code(d.branch ?? `parallel/${p.id}`)} (from ${code(d.base)}). Other sessions work other phases at the same time in their own`,
      'worktrees. This brief is all you need.', '',
      '## Task', p.task || '(no task text: ask the coordinator)', '',
      '## You own (change only these, plus the shared paths)',
      ...list(p.owns.map(code)),
      ...(p.exclude.length ? [`- except: ${p.exclude.map(code).join(', ')}`] : []), '',
    );
    if (d.shared.length) out.push('## Shared (any phase may change)', ...list(d.shared.map(code)), '');
    if (d.concurrent.length) {
      out.push('## Owned by phases running at the same time: do not touch',
        ...d.concurrent.map((c) => `- ${c.id}: ${c.owns.map(code).join(', ') || '(nothing)'}`), '');
    }
    out.push('Commits that change other paths are refused (hooks, then `parallel verify`). Never edit `.parallel.yml`:', 'it belongs to the coordinator.', '');
  }

  if (d.needs.length) {
    out.push('## Built on');
    for (const n of d.needs) {
      out.push(`- **${n.id}**: ${n.task || '(no task text)'}`);
      if (n.delivered?.message) out.push(`  Done: ${n.delivered.message.trim()}`);
      if (n.delivered?.outputs?.length) out.push(`  Outputs: ${n.delivered.outputs.map(code).join(', ')}`);
      if (n.delivered?.handoff) out.push('  Handoff:', ...quoteBlock(n.delivered.handoff));
    }
    out.push('');
  }
  if (d.handoff) out.push('## Handoff from the previous session', ...quoteBlock(d.handoff).map((l) => l.slice(2)), '');
  if (d.decisions?.length) out.push('## Decisions so far', ...d.decisions.map((x) => `- ${x.at.slice(0, 16).replace('T', ' ')} ${x.text}`), '');

  if (!p.reviews) {
    out.push('## Checklist');
    if (p.checklist.length === 0) out.push('- (none)');
    p.checklist.forEach((item, i) => {
      const verify = item.verify ? ` (checked by ${code(item.verify)} when you run \`parallel done\`)` : '';
      out.push(`${i + 1}. [${item.done ? 'x' : ' '}] ${item.text}${verify}`);
    });
    out.push('');
  }

  out.push('## Environment');
  if (d.port !== undefined) out.push(`- PORT ${d.port}: use it for any server you start (\`eval "$(parallel env)"\` exports it)`);
  out.push(`- Scratch folder: ${code(d.scratchDir)} (yours alone, ignored by git: notes, logs, temp files)`);
  if (d.test && !p.reviews) out.push(`- Integration runs the tests with ${code(d.test)}: keep them green`);
  out.push('');

  if (d.agents?.length) {
    out.push(
      '## Working with a coding agent',
      `- Start it in this worktree: ${d.agents.map((a) => code(`cd <this worktree> && ${AGENT_COMMANDS[a] ?? a}`)).join(', ')}. Project hooks run once the agent trusts the folder (it asks once)${d.agents.includes('codex') ? '; Codex reads them from the main checkout: trust that folder and approve parallel\'s hooks once in `/hooks`' : ''}.`,
      '- Status is automatic: its hooks record the session, heartbeats, and when it waits for a person or exits.',
      '- Edits to paths this phase does not own, to `.parallel.yml` or to other worktrees are refused before they happen.',
      '- Still said by the session: `parallel done -m "..."` when finished, `parallel handoff -m "..."` before stopping with work left.',
      '',
    );
  }
  out.push('## Report (from this worktree)');
  if (p.reviews) {
    out.push(
      `- \`parallel heartbeat -m "what you are checking"\`: at least every ${formatDuration(d.heartbeatTimeout)}`,
      `- \`parallel review approve -m "why"\` or \`parallel review reject -m "what must change"\`: applies to ${p.reviews}'s current tip`,
      '- `parallel done -m "summary"` when the review is recorded; `parallel fail -m "why"` if you cannot review',
    );
  } else {
    out.push(
      `- Commit normally on ${code(d.branch ?? `parallel/${p.id}`)}; every commit counts as a heartbeat.`,
      `- \`parallel heartbeat -p 50 -m "what you are doing"\`: progress, at least every ${formatDuration(d.heartbeatTimeout)}`,
      ...(p.checklist.length ? ['- `parallel task 1`: tick checklist item 1 (`--undo` unticks)'] : []),
      '- `parallel error -m "what went wrong"`: a problem you work around',
      '- `parallel handoff -m "done / remaining / decisions / known issues"`: before you stop with work left',
      '- `parallel done -m "what you delivered"`: when finished (runs the checklist\'s verify commands first)',
      '- `parallel fail -m "why"`: if you cannot finish',
    );
  }
  return `${out.join('\n')}\n`;
}
