/**
 * `parallel plan [--format md|mermaid|json] [-o FILE]`: the working copy of the plan rendered for
 * readers. Live checkbox state and decisions come from the coordination store when it has them.
 */
import { writeFileSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandInput, CommandResult } from '../command.js';
import { usageError } from '../errors.js';
import { openRepo } from '../git/repo.js';
import { readWorkingPlan } from '../config/plan-source.js';
import { PLAN_FORMATS, renderPlan, type LivePlanData, type PlanFormat } from '../core/plan-render.js';
import { PLAN_FILE } from '../core/plan.js';
import { readEvents, readSessions } from '../store/store.js';
import type { RepoContext } from '../git/repo.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  const format = (input.opts.format ?? 'md') as string;
  if (!PLAN_FORMATS.includes(format as PlanFormat)) {
    throw usageError(`parallel: unknown format "${format}". Use --format md, mermaid or json.`);
  }
  if (input.args.length) throw usageError(`parallel: plan takes no arguments (got "${input.args[0]}"). Run "parallel plan --help".`);
  const ctx = openRepo(input.cwd);
  const working = await readWorkingPlan(ctx);
  if (!working.committed) input.io.err(`parallel: note: ${PLAN_FILE} is not committed yet; this is the working copy.`);
  else if (working.differsFromCommitted) input.io.err(`parallel: note: this is the working copy of ${PLAN_FILE}, which differs from the committed one.`);
  const live = liveData(ctx);
  const text = renderPlan(working.plan, format as PlanFormat, live);
  const output = input.opts.output;
  if (typeof output === 'string' && output !== '' && output !== '-') {
    writeOutput(resolve(input.cwd, output), text, output, 'the plan', 'or leave -o out to print it');
    return { text: `Wrote ${output} (${format}).` };
  }
  return { text: text.replace(/\n$/, '') };
}

/**
 * Write a command's output file whole (aside, then renamed over it), or fail with a usage error
 * that names the file as the user gave it and why (shared by `plan -o` and `report -o`).
 */
export function writeOutput(file: string, text: string, asGiven: string, what: string, alternative?: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'the file system is read-only' : (e as Error).message;
    throw usageError(`parallel: cannot write ${what} to ${asGiven}: ${why}. Pass -o a file path in an existing, writable folder${alternative ? `, ${alternative}` : ''}.`);
  }
}

/**
 * Ticked checklist items (the latest tick or untick of an item across a phase's sessions wins, so
 * a relay keeps its predecessor's ticks) and the decisions log, from the coordination store.
 */
function liveData(ctx: RepoContext): LivePlanData {
  const latest = new Map<string, Map<number, { done: boolean; at: string }>>();
  for (const rec of readSessions(ctx)) {
    const items = latest.get(rec.phase) ?? new Map<number, { done: boolean; at: string }>();
    for (const [index, tick] of Object.entries(rec.tasks ?? {})) {
      const prev = items.get(Number(index));
      if (!prev || prev.at < tick.at) items.set(Number(index), tick);
    }
    latest.set(rec.phase, items);
  }
  const ticked = new Map<string, Set<number>>();
  for (const [phase, items] of latest) ticked.set(phase, new Set([...items].filter(([, t]) => t.done).map(([i]) => i)));
  const decisions = readEvents(ctx, { phase: '' })
    .filter((e) => e.type === 'decision')
    .map((e) => ({ at: e.at, text: e.message ?? '' }));
  return { ticked, decisions };
}
