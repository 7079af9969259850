/**
 * The session's commands: heartbeat, error, task, handoff, done, fail, review. Each records one
 * event through the store (src/store/session-api.ts, the same functions the programmatic API uses).
 * Inside a phase worktree they speak for its marker's phase and session; `--phase ID` acts from
 * elsewhere. A heartbeat reads no plan, so it starts little more than Node itself.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandInput, CommandResult } from '../command.js';
import { usageError, refused } from '../errors.js';
import type { RepoContext } from '../git/repo.js';
import { openRepoFast } from '../store/fast-context.js';
import type { Plan } from '../core/plan.js';
import { resolveTarget, parseMeta, parseProgress, planFor, record, resolveChecklistItem, reviewedTip, runVerifyCommands, type SessionTarget } from '../store/session-api.js';

function message(input: CommandInput, required: boolean): string | undefined {
  const m = input.opts.message;
  if (typeof m === 'string') {
    if (required && m.trim() === '') throw usageError(`parallel: the message of "${input.command}" is empty. Say what happened: parallel ${input.command} -m "..."`);
    return m;
  }
  if (required) throw usageError(`parallel: "${input.command}" needs a message. Run "parallel ${input.command} -m \\"...\\"".`);
  return undefined;
}

function noArgs(input: CommandInput): void {
  if (input.args.length) throw usageError(`parallel: "${input.command}" takes no arguments (got "${input.args.join(' ')}"). Put text in -m "...".`);
}

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepoFast(input.cwd);
  const target = resolveTarget(ctx, input.opts.phase, input.command);
  const who = target.session === target.phase ? target.phase : `${target.phase} (session ${target.session})`;
  // A target that needs the plan reads it first: the lean bundle may start over there (src/lean.ts).
  const plan = !target.inWorktree || !target.workspace ? await planFor(ctx, target) : undefined;
  switch (input.command) {
    case 'heartbeat': {
      noArgs(input);
      const progress = parseProgress(input.opts.progress);
      const ev = await record(ctx, target, { type: 'heartbeat', message: message(input, false), progress, metadata: parseMeta(input.opts.meta) }, plan);
      return done(ev, `${who}: heartbeat recorded${progress !== undefined ? ` (${progress}%)` : ''}.`);
    }
    case 'error': {
      noArgs(input);
      const ev = await record(ctx, target, { type: 'error', message: message(input, true) }, plan);
      return done(ev, `${who}: error recorded (the phase keeps running; "parallel fail -m ..." ends it).`);
    }
    case 'fail': {
      noArgs(input);
      const ev = await record(ctx, target, { type: 'fail', message: message(input, true) }, plan);
      return done(ev, `${who}: marked failed. Only a new "parallel start" reopens it.`);
    }
    case 'handoff': {
      noArgs(input);
      const file = input.opts.file;
      let text = message(input, false);
      if (typeof file === 'string') {
        if (text !== undefined) throw usageError('parallel: give the handoff either with -m or with --file, not both.');
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          throw usageError(`parallel: cannot read the handoff file "${file}" (${(e as NodeJS.ErrnoException).code ?? 'error'}). Check the path.`);
        }
      }
      if (!text || !text.trim()) throw usageError('parallel: "handoff" needs a summary: -m "..." or --file F (done, remaining, decisions, known issues).');
      const ev = await record(ctx, target, { type: 'handoff', message: text }, plan);
      return done(ev, `${who}: handoff recorded; the next session's brief will carry it.`);
    }
    case 'task':
      return task(input, ctx, target, who, plan);
    case 'done':
      return finish(input, ctx, target, who, plan);
    case 'review':
      return review(input, ctx, target, who, plan);
    default:
      throw usageError(`parallel: unknown session command "${input.command}".`);
  }
}

function done(ev: Record<string, unknown>, text: string): CommandResult {
  return { data: { event: ev }, text };
}

async function task(input: CommandInput, ctx: RepoContext, target: SessionTarget, who: string, read?: Plan): Promise<CommandResult> {
  const query = input.args.join(' ').trim();
  if (!query) throw usageError('parallel: "task" needs the checklist item: its number (parallel task 2) or its text.');
  const plan = read ?? await planFor(ctx, target);
  const phase = plan.phases.find((p) => p.id === target.phase)!;
  const index = resolveChecklistItem(phase, query);
  const undo = Boolean(input.opts.undo);
  const ev = await record(ctx, target, { type: 'task', item: index, text: phase.checklist[index]!.text, ...(undo ? { undo: true } : {}) }, plan);
  return done(ev, `${who}: [${undo ? ' ' : 'x'}] ${index + 1}. ${phase.checklist[index]!.text}`);
}

async function finish(input: CommandInput, ctx: RepoContext, target: SessionTarget, who: string, read?: Plan): Promise<CommandResult> {
  noArgs(input);
  const plan = read ?? await planFor(ctx, target);
  const phase = plan.phases.find((p) => p.id === target.phase)!;
  const outputs = input.opts.output === undefined ? undefined : ([] as string[]).concat(input.opts.output as string | string[]);
  for (const out of outputs ?? []) checkOutputFile(input.cwd, out);
  const failure = await runVerifyCommands(ctx, target, phase, (line) => input.io.err(line));
  if (failure) throw refused(failure);
  const ev = await record(ctx, target, { type: 'done', message: message(input, false), metadata: parseMeta(input.opts.meta), ...(outputs ? { output_files: outputs } : {}) }, plan);
  return done(ev, `${who}: done. The coordinator integrates it with "parallel integrate".`);
}

/** `done --output FILE`: a file that exists (a folder or a missing path is no output). */
function checkOutputFile(cwd: string, file: string): void {
  let st;
  try {
    st = statSync(resolve(cwd, file));
  } catch {
    throw usageError(`parallel: the output file "${file}" does not exist (from ${cwd}). Name a file this phase produced, relative to where you run "parallel done", or leave --output out.`);
  }
  if (!st.isFile()) throw usageError(`parallel: the output "${file}" is ${st.isDirectory() ? 'a folder' : 'not a regular file'}; --output names files (repeat it for several: --output a.md --output b.json).`);
}

async function review(input: CommandInput, ctx: RepoContext, target: SessionTarget, who: string, read?: Plan): Promise<CommandResult> {
  const verdict = input.args[0];
  if (verdict !== 'approve' && verdict !== 'reject' || input.args.length !== 1) {
    throw usageError('parallel: say "parallel review approve -m ..." or "parallel review reject -m ...".');
  }
  const msg = message(input, true)!;
  const plan = read ?? await planFor(ctx, target);
  const phase = plan.phases.find((p) => p.id === target.phase)!;
  if (!phase.reviews) throw refused(`parallel: phase "${phase.id}" is not a reviewer phase (it has no "reviews:" in the plan), so it cannot approve or reject. Run "parallel review" in the reviewer phase's worktree, or with --phase <reviewer>.`);
  const tip = reviewedTip(ctx, phase.reviews);
  const ev = await record(ctx, target, { type: 'review', verdict, reviews: phase.reviews, tip, message: msg }, plan);
  return done(ev, `${who}: ${verdict === 'approve' ? 'approved' : 'rejected'} ${phase.reviews} at ${tip.slice(0, 7)}. A new commit on ${phase.reviews} makes this verdict stale.`);
}
