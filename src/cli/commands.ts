/**
 * The command table: names, help and options for every command, and a loader that imports the
 * workflow only when that command runs (so `parallel heartbeat` never loads the YAML parser).
 */
import type { CommandSpec, OptionSpec } from '../command.js';

const json: Record<string, OptionSpec> = { json: { type: 'boolean', description: 'print JSON (schema 1)' } };
const phaseOpt: Record<string, OptionSpec> = { phase: { type: 'string', description: 'act for this phase from elsewhere (default: this worktree\'s phase)' } };
const meta: Record<string, OptionSpec> = { meta: { type: 'string', multiple: true, description: 'attach key=value metadata (repeatable)' } };
const message: Record<string, OptionSpec> = { message: { type: 'string', short: 'm', description: 'the message' } };

export const COMMANDS: CommandSpec[] = [
  // Coordinator
  {
    name: 'init', summary: 'record the base, write a starter plan, install hooks and notes config',
    usage: 'init [--base BRANCH]',
    options: { base: { type: 'string', description: 'the branch phases start from and land on (default: the checked-out branch)' } },
    load: () => import('../workflows/init.js'),
  },
  {
    name: 'doctor', summary: 'check git, hooks, base, locks, worktrees and the coordination ref',
    usage: 'doctor [--json]', options: { ...json }, json: true,
    load: () => import('../workflows/doctor.js'),
  },
  {
    name: 'check', summary: 'validate the plan: waves, overlaps, unowned files, predicted conflicts',
    usage: 'check [--json]', options: { ...json }, json: true,
    load: () => import('../workflows/check.js'),
  },
  {
    name: 'plan', summary: 'render the plan for readers (markdown, mermaid or JSON)',
    usage: 'plan [--format md|mermaid|json] [-o FILE]',
    options: {
      format: { type: 'string', description: 'md (default), mermaid or json' },
      output: { type: 'string', short: 'o', description: 'write to FILE instead of stdout' },
    },
    load: () => import('../workflows/plan.js'),
  },
  {
    name: 'start', summary: 'create branches and worktrees for phases and brief their sessions',
    usage: 'start <phase>... | --wave N | --ready [--session ID] [--meta key=value]',
    options: {
      wave: { type: 'string', description: 'start every phase of wave N (1-based)' },
      ready: { type: 'boolean', description: 'start every phase whose needs are met' },
      session: { type: 'string', description: 'session id (default: the phase id); on a started phase, a relay' },
      ...meta,
    },
    load: () => import('../workflows/start.js'),
  },
  {
    name: 'brief', summary: 'print the session brief of a phase (markdown)',
    usage: 'brief [<phase>]', options: {},
    load: () => import('../workflows/brief.js'),
  },
  {
    name: 'decide', summary: 'record a decision every session reads (coordinator only)',
    usage: 'decide "TEXT"', options: {},
    load: () => import('../workflows/decide.js'),
  },
  {
    name: 'decisions', summary: 'list the decisions log',
    usage: 'decisions [--json]', options: { ...json }, json: true,
    load: () => import('../workflows/decisions.js'),
  },
  {
    name: 'status', summary: 'the dashboard: one row per phase',
    usage: 'status [--json] [--watch [--interval 5s]] [--wait [--timeout 2h]] [--heartbeat-timeout 5m] [--session-timeout 4h]',
    options: {
      ...json,
      watch: { type: 'boolean', description: 'redraw until Ctrl-C' },
      interval: { type: 'string', description: 'poll interval for --watch/--wait (default 5s)' },
      wait: { type: 'boolean', description: 'return when no started phase is running or stale (exit 0, 1 if one failed; Ctrl-C: 130)' },
      timeout: { type: 'string', description: 'give up waiting after this long (exit 3)' },
      'heartbeat-timeout': { type: 'string', description: 'override timeouts.heartbeat' },
      'session-timeout': { type: 'string', description: 'override timeouts.session' },
    },
    json: true,
    load: () => import('../workflows/status.js'),
  },
  {
    name: 'log', summary: 'the event history, oldest first',
    usage: 'log [<phase>] [--json]', options: { ...json }, json: true,
    load: () => import('../workflows/log.js'),
  },
  {
    name: 'conflicts', summary: 'predicted merge conflicts between phase branches',
    usage: 'conflicts [--json]', options: { ...json }, json: true,
    load: () => import('../workflows/conflicts.js'),
  },
  {
    name: 'report', summary: 'the whole run as one self-contained HTML page (graph, timeline, integrate runs, conflicts)',
    usage: 'report [-o FILE] [--since TIME|DURATION] [--open] [--json]',
    options: {
      ...json,
      output: { type: 'string', short: 'o', description: 'write to FILE (default: .parallel/report.html in the main worktree)' },
      since: { type: 'string', description: 'draw the timeline from this time (2026-12-07T09:00) or this long ago (3h)' },
      open: { type: 'boolean', description: 'open the page with xdg-open or open when there is one' },
    },
    json: true,
    load: () => import('../workflows/report.js'),
  },
  {
    name: 'verify', summary: 'check every phase commit against ownership, whatever the hooks did',
    usage: 'verify [<phase>...] [--json]', options: { ...json }, json: true,
    load: () => import('../workflows/verify.js'),
  },
  {
    name: 'integrate', summary: 'merge done phases in dependency order, test, and move the integration branch',
    usage: 'integrate [--dry-run] [--each] [--land] [--push [<remote>]] [--continue | --abort | --reset] [--json]',
    options: {
      ...json,
      'dry-run': { type: 'boolean', description: 'print the order, predicted conflicts, violations and reviews; change nothing' },
      each: { type: 'boolean', description: 'run the tests after every merge' },
      land: { type: 'boolean', description: 'then fast-forward base to the integration branch' },
      push: { type: 'boolean', description: 'fetch from the remote (default origin) first, push the result after (atomic, with leases; exit 4 if it moved)' },
      continue: { type: 'boolean', description: 'resume an interrupted run' },
      abort: { type: 'boolean', description: 'undo an interrupted run' },
      reset: { type: 'boolean', description: 'move the integration branch back to the last commit integrate recorded (stray commits are kept under refs/parallel/saved/integration/)' },
    },
    json: true,
    load: () => import('../workflows/integrate.js'),
  },
  {
    name: 'ci', summary: 'write a CI workflow: verify phase branches, run the merge queue (integrate --land --push)',
    usage: 'ci init github|gitlab [-o FILE]',
    options: { ...json, output: { type: 'string', short: 'o', description: 'write to FILE (default: .github/workflows/parallel.yml or .gitlab/parallel.yml); never overwrites' } },
    json: true,
    load: () => import('../workflows/ci-init.js'),
  },
  {
    name: 'sync', summary: 'share the coordination ref and phase branches through a remote',
    usage: 'sync [<remote>]', options: { ...json }, json: true,
    load: () => import('../workflows/sync.js'),
  },
  {
    name: 'remove', summary: 'remove a phase worktree (never losing work)',
    usage: 'remove <phase> [--force] [--delete-branch]',
    options: {
      force: { type: 'boolean', description: 'save uncommitted work to refs/parallel/saved/ and remove anyway' },
      'delete-branch': { type: 'boolean', description: 'also delete the branch (only once integrated)' },
    },
    load: () => import('../workflows/remove.js'),
  },
  {
    name: 'prune', summary: 'clear worktrees deleted by hand and remove integrated phases',
    usage: 'prune', options: {},
    load: () => import('../workflows/prune.js'),
  },
  // Sessions
  {
    name: 'whoami', summary: 'print this worktree\'s phase and session',
    usage: 'whoami [--json]', options: { ...json }, json: true,
    load: () => import('../workflows/whoami.js'),
  },
  {
    name: 'scratch', summary: 'print (and create) this session\'s scratch folder',
    usage: 'scratch [--phase ID]', options: { ...phaseOpt },
    load: () => import('../workflows/scratch.js'),
  },
  {
    name: 'env', summary: 'shell exports: PARALLEL_PHASE, PARALLEL_SESSION, PORT',
    usage: 'env [--phase ID]', options: { ...phaseOpt },
    load: () => import('../workflows/env.js'),
  },
  {
    name: 'exec', summary: 'run a command in a phase worktree with its environment',
    usage: 'exec <phase> -- CMD [ARGS...]', options: {}, passthrough: true,
    load: () => import('../workflows/exec.js'),
  },
  {
    name: 'agent-hook', summary: 'what a coding agent\'s hooks call (agent JSON on stdin)',
    usage: 'agent-hook <claude|codex|gemini> <event>', options: {},
    help: 'Events: session-start, user-prompt-submit, pre-tool-use, post-tool-use, notification, stop, stop-failure, session-end. Exit 2 refuses an edit.',
    load: () => import('../workflows/agent-hook.js'),
  },
  {
    name: 'agents', summary: 'write or take out coding agents\' hook settings in phase worktrees',
    usage: 'agents install|remove [<phase>...]', options: {},
    load: () => import('../workflows/agents.js'),
  },
  {
    name: 'heartbeat', summary: 'report progress',
    usage: 'heartbeat [-p PCT] [-m MSG] [--phase ID] [--meta key=value]',
    options: { progress: { type: 'string', short: 'p', description: 'percent done (0-100)' }, ...message, ...phaseOpt, ...meta },
    lean: true,
    load: () => import('../workflows/session-report.js'),
  },
  {
    name: 'error', summary: 'record a non-fatal error',
    usage: 'error -m MSG [--phase ID]', options: { ...message, ...phaseOpt },
    lean: true,
    load: () => import('../workflows/session-report.js'),
  },
  {
    name: 'task', summary: 'tick a checklist item (by number or text)',
    usage: 'task <n|text> [--undo] [--phase ID]',
    options: { undo: { type: 'boolean', description: 'untick it' }, ...phaseOpt },
    load: () => import('../workflows/session-report.js'),
  },
  {
    name: 'handoff', summary: 'leave a summary for the next session',
    usage: 'handoff -m MSG | --file F [--phase ID]',
    options: { ...message, file: { type: 'string', description: 'read the handoff from FILE' }, ...phaseOpt },
    lean: true,
    load: () => import('../workflows/session-report.js'),
  },
  {
    name: 'done', summary: 'finish the phase (runs checklist verify commands first)',
    usage: 'done [-m MSG] [--output FILE...] [--phase ID] [--meta key=value]',
    options: { ...message, output: { type: 'string', multiple: true, description: 'a file this phase produced (repeatable)' }, ...phaseOpt, ...meta },
    load: () => import('../workflows/session-report.js'),
  },
  {
    name: 'fail', summary: 'mark the phase failed',
    usage: 'fail -m MSG [--phase ID]', options: { ...message, ...phaseOpt },
    lean: true,
    load: () => import('../workflows/session-report.js'),
  },
  {
    name: 'review', summary: 'approve or reject the reviewed phase\'s current tip (reviewer phases)',
    usage: 'review approve|reject -m MSG [--phase ID]', options: { ...message, ...phaseOpt },
    load: () => import('../workflows/session-report.js'),
  },
  {
    name: 'update', summary: 'merge the integration branch into this phase',
    usage: 'update [--phase ID]', options: { ...phaseOpt },
    load: () => import('../workflows/update.js'),
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
