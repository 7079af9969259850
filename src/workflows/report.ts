/**
 * `parallel report [-o FILE] [--since TIME|DURATION] [--open]`: the whole run as one
 * self-contained HTML page (default `.parallel/report.html` in the main worktree, kept out of git
 * by info/exclude). Gathered from the coordination ref and the branches only, with the readers
 * status, log and conflicts use, so any clone draws the same page after `parallel sync`.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import type { CommandInput, CommandResult } from '../command.js';
import { usageError } from '../errors.js';
import { openRepo, resolveBase } from '../git/repo.js';
import { readCommittedPlan } from '../config/plan-source.js';
import { parseDuration } from '../core/duration.js';
import { computeWaves } from '../core/graph.js';
import { countStates } from '../core/phase-state.js';
import { renderReport } from '../core/report-render.js';
import { gatherPhaseStates } from '../store/gather.js';
import { readEvents } from '../store/store.js';
import { readPhaseTipsAsync } from '../git/phase-tips.js';
import { defaultPairs, orderSides, predictConflicts, INTEGRATION_SIDE, type Sides } from '../git/conflicts.js';
import { ensureParallelExcluded, PARALLEL_DIR } from '../worktrees/exclude.js';
import { startDetached } from '../worktrees/run-command.js';
import { writeOutput } from './plan.js';

export const REPORT_FILE = 'report.html';

/** `--since`: an ISO time (`2026-12-07T09:00`, local time unless it says Z) or a duration back from now. */
export function parseSince(text: string, now: number): number {
  const ms = parseDuration(text);
  if (ms !== undefined) return now - ms;
  const t = /^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (Number.isNaN(t)) throw usageError(`parallel: --since "${text}" is neither a time nor a duration. Write a time like 2026-12-07T09:00 or a duration like 3h.`);
  return t;
}

function opener(): string | undefined {
  const name = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? undefined : 'xdg-open';
  if (!name) return undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function run(input: CommandInput): Promise<CommandResult> {
  if (input.args.length) throw usageError(`parallel: report takes no arguments (got "${input.args[0]}"). Run "parallel report --help".`);
  const now = Date.now();
  const since = typeof input.opts.since === 'string' ? parseSince(input.opts.since, now) : undefined;
  const ctx = openRepo(input.cwd);
  const base = resolveBase(ctx);
  const { plan } = await readCommittedPlan(ctx, base);
  const ids = plan.phases.map((p) => p.id);
  // The same branches status counts (phases worked in other clones included), in plan order;
  // read without blocking, so the merges run while the store is read.
  const matrix = readPhaseTipsAsync(ctx.toplevel, { remotes: true }).then(async (tips) => {
    const integration = tips.integration ?? tips.remoteIntegration;
    const sides: Sides = orderSides({
      phases: [...tips.phases].filter(([id]) => ids.includes(id)).map(([name, ref]) => ({ name, ref })),
      ...(integration ? { integration: { name: INTEGRATION_SIDE, ref: integration } } : {}),
    }, ids);
    const branches = [...sides.phases.map((x) => x.name), ...(sides.integration ? [sides.integration.name] : [])];
    return { branches, pairs: await predictConflicts(ctx.toplevel, defaultPairs(sides)) };
  });
  matrix.catch(() => undefined); // awaited below; a failure is reported there, not as unhandled
  const { rows } = await gatherPhaseStates(ctx, plan, base, { now });
  const events = readEvents(ctx);
  const html = renderReport({
    name: plan.name,
    base,
    waves: computeWaves(plan.phases),
    rows,
    counts: countStates(rows),
    events,
    heartbeatTimeout: plan.timeouts.heartbeat,
    drawnAt: now,
    ...(since !== undefined ? { since } : {}),
    conflicts: await matrix,
  });

  const output = typeof input.opts.output === 'string' && input.opts.output !== '' ? resolve(input.cwd, input.opts.output) : undefined;
  const file = output ?? join(ctx.mainWorktree, PARALLEL_DIR, REPORT_FILE);
  if (!output) {
    mkdirSync(dirname(file), { recursive: true });
    ensureParallelExcluded(ctx.commonDir);
  }
  writeOutput(file, html, typeof input.opts.output === 'string' ? input.opts.output : file, 'the report');
  const shown = relative(input.cwd, file).startsWith('..') ? file : relative(input.cwd, file) || file;
  if (input.opts.open) {
    const cmd = opener();
    if (!cmd || !(await startDetached([cmd, file], input.cwd))) {
      input.io.err(`parallel: no program to open ${shown} with (xdg-open or open); open it in a browser.`);
    }
  }
  return { data: { path: file, bytes: Buffer.byteLength(html) }, text: shown };
}
