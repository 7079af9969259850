/**
 * `parallel check [--json]`: validate the working copy of the plan and report waves, overlaps
 * between phases that may run at once (with a witness path), tracked files no phase owns, waves
 * too wide to coordinate, and predicted conflicts between existing phase branches.
 * Exit 1 on an overlap, 2 on an invalid plan (a cycle included), else 0.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { ParallelError, ExitCode } from '../errors.js';
import { gitAsync, splitZ, type GitResult } from '../git/git.js';
import { openRepo, type RepoContext } from '../git/repo.js';
import { cachedEntry, indexStamp, rulesKey, saveUnowned, unownedFor, type Entry, type Unowned } from './unowned-cache.js';
import { readWorkingPlan, startWorkingPlanQueries } from '../config/plan-source.js';
import { computeWaves } from '../core/graph.js';
import { findOverlaps, type PhaseOverlap } from '../core/overlap.js';
import { compileNormalized, expandPattern, nfc, patternsRegExp, phaseMatcherNormalized } from '../core/ownership.js';
import { GLOB_CHARS } from '../core/glob-rules.js';
import { PLAN_FILE, worktreesProblem, type Plan } from '../core/plan.js';
import { branchSidesAsync, defaultPairs, orderSides, predictConflicts, type ConflictPair } from '../git/conflicts.js';

/** More phases than this in one wave gets a warning (coordination cost grows past 3-5). */
export const WIDE_WAVE = 5;
const EXAMPLES = 5;

export interface CheckReport {
  name: string;
  waves: string[][];
  overlaps: PhaseOverlap[];
  cycle: string[] | null;
  unowned: Unowned;
  conflicts: ConflictPair[];
  warnings: string[];
  notes: string[];
}

export async function run(input: CommandInput): Promise<CommandResult> {
  // Every git question that works from any directory of the worktree is asked at once, before
  // the repository is even located: they run while it is, and while the plan is read and parsed.
  const branches = branchSidesAsync(input.cwd);
  const queries = startWorkingPlanQueries(input.cwd);
  branches.catch(() => undefined);
  const ctx = openRepo(input.cwd);
  // The tracked files are listed only when no verdict was saved for this index; then the
  // listing runs while the plan is read and parsed.
  const stamp = indexStamp(ctx.gitDir);
  const saved = cachedEntry(ctx, stamp);
  let listing: Promise<GitResult> | undefined;
  const list = () => {
    listing ??= gitAsync(['ls-files', '-z', '--full-name', '--', ':/'], { cwd: ctx.toplevel });
    return listing;
  };
  if (!saved) list().catch(() => undefined);
  let working;
  try {
    working = await readWorkingPlan(ctx, queries);
  } catch (e) {
    if (input.json && e instanceof ParallelError && e.code === 'invalid_plan') {
      const cycle = (e.details?.cycle as string[] | null | undefined) ?? null;
      return {
        exitCode: ExitCode.usage,
        data: {
          waves: [], overlaps: [], cycle, unowned: { count: 0, examples: [] }, conflicts: [], warnings: [],
          error: { message: e.message, code: e.code, problems: e.details?.problems ?? [] },
        },
      };
    }
    throw e;
  }
  const { plan } = working;
  // The loader judged a relative template; this one also catches an absolute path or one that
  // names the repository's folder literally.
  const inside = worktreesProblem(plan.worktrees, ctx.mainWorktree);
  if (inside) throw new ParallelError(`parallel: ${PLAN_FILE}: ${inside}.`, { exitCode: ExitCode.usage, code: 'invalid_plan' });
  const report: CheckReport = {
    name: plan.name,
    waves: computeWaves(plan.phases),
    overlaps: [],
    cycle: null,
    unowned: await unownedOf(ctx, plan, stamp, saved, list),
    conflicts: [],
    warnings: [],
    notes: [],
  };
  const found = findOverlaps(plan.phases);
  report.overlaps = found.overlaps;
  for (const { a, b } of found.undecided) {
    report.warnings.push(`could not decide whether "${a}" and "${b}" own a common path (their patterns are too complex to compare); simplify their "owns"/"exclude" or order them with "needs"`);
  }
  for (const p of plan.phases) {
    if (p.reviews === undefined && p.owns.length === 0) report.warnings.push(`phase "${p.id}" owns nothing, so its commits may change only shared paths; give it "owns:" (or make it a reviewer with "reviews:")`);
  }
  report.waves.forEach((wave, i) => {
    if (wave.length > WIDE_WAVE) report.warnings.push(`wave ${i + 1} holds ${wave.length} phases at once; coordination cost grows past 3-5 parallel sessions, consider ordering some with "needs"`);
  });
  if (!working.committed) report.notes.push(`${PLAN_FILE} is not committed yet; other commands and the hooks read the plan committed on base, so commit it there when it is ready`);
  else if (working.differsFromCommitted) report.notes.push(`${PLAN_FILE} in this worktree differs from the committed one; other commands and the hooks read the plan committed on base, so commit it there when it is ready`);
  if (!working.recordedBase) report.notes.push('no base branch is recorded yet; run "parallel init" to record it and install the hooks');

  const sides = orderSides(await branches, plan.phases.map((p) => p.id));
  if (sides.phases.length) report.conflicts = await predictConflicts(ctx.toplevel, defaultPairs(sides));

  const exitCode = report.overlaps.length ? ExitCode.refused : ExitCode.ok;
  const { name: _name, notes, ...json } = report;
  return { exitCode, data: { ...json, name: plan.name, notes }, text: render(report, plan) };
}

/** The unowned verdict saved for this index and these rules, or judged on a fresh listing (and saved). */
async function unownedOf(ctx: RepoContext, plan: Plan, stamp: string | undefined, saved: Entry | undefined, list: () => Promise<GitResult>): Promise<Unowned> {
  const rules = rulesKey(plan);
  const known = unownedFor(saved, rules);
  if (known) return known;
  const found = unowned(plan, splitZ(nfc((await list()).stdout)));
  saveUnowned(ctx, stamp, rules, found);
  return found;
}

/**
 * Tracked files owned by no phase; shared files and the plan itself are not counted. `files`
 * must be NFC. One RegExp of every phase's `owns` and one of every `exclude` decide almost every
 * path in two tests; only a path that some exclude matches is checked phase by phase. When every
 * pattern is a plain name or ends in `/**` (folders, the common case), a file's verdict depends
 * only on its folder (and on its full name if that is a plain pattern), so each folder is decided
 * once.
 */
export function unowned(plan: Pick<Plan, 'phases' | 'shared'>, files: readonly string[]): Unowned {
  const owners = plan.phases.filter((p) => p.owns.length);
  const anyOwns = patternsRegExp(owners.flatMap((p) => p.owns));
  const anyExclude = patternsRegExp(owners.flatMap((p) => p.exclude));
  const matchers = owners.map(phaseMatcherNormalized);
  const shared = compileNormalized(plan.shared);
  const isUnowned = (path: string): boolean => {
    if (anyOwns?.test(path)) {
      if (!anyExclude || !anyExclude.test(path)) return false;
      for (const m of matchers) if (m(path)) return false;
    }
    return !shared(path);
  };
  const globs = [...owners.flatMap((p) => [...p.owns, ...p.exclude]), ...plan.shared].flatMap(expandPattern);
  const plainNames = new Set(globs.filter((g) => !GLOB_CHARS.test(g)));
  const byFolder = globs.every((g) => plainNames.has(g) || g.endsWith('/**'));
  const folderVerdict = new Map<string, boolean>();
  let count = 0;
  const examples: string[] = [];
  for (const path of files) {
    if (path === PLAN_FILE) continue;
    let verdict: boolean;
    if (byFolder && !plainNames.has(path)) {
      // A file stands for every file in its folder that no plain pattern names: `X/**` matches
      // dir/name exactly when it matches dir/<any other name>. (Judging "dir/" itself would miss
      // a plain folder pattern, whose matcher wants something below the folder.)
      const folder = path.slice(0, path.lastIndexOf('/') + 1);
      let known = folderVerdict.get(folder);
      if (known === undefined) {
        known = isUnowned(`${folder}\u0001`);
        folderVerdict.set(folder, known);
      }
      verdict = known;
    } else verdict = isUnowned(path);
    if (!verdict) continue;
    count++;
    if (examples.length < EXAMPLES) examples.push(path);
  }
  return { count, examples };
}

function render(r: CheckReport, plan: Plan): string {
  const lines: string[] = [];
  const phases = plan.phases.length;
  lines.push(`Plan ${r.name}: ${phases} phase${phases === 1 ? '' : 's'} in ${r.waves.length} wave${r.waves.length === 1 ? '' : 's'} (${PLAN_FILE} is valid)`);
  for (const note of r.notes) lines.push(`Note: ${note}.`);
  lines.push('', 'Waves:');
  r.waves.forEach((wave, i) => lines.push(`  ${i + 1}. ${wave.join(', ')}`));
  lines.push('');
  if (r.overlaps.length === 0) lines.push('Overlaps: none (no two phases that may run at once own a common path)');
  else {
    lines.push(`Overlaps: ${r.overlaps.length} (phases that may run at once must not own a common path)`);
    for (const o of r.overlaps) lines.push(`  ${o.a} and ${o.b} both own ${JSON.stringify(o.witness)}`);
    lines.push('  Fix: narrow one phase\'s "owns", add the path to its "exclude", or order the two with "needs".');
  }
  if (r.unowned.count === 0) lines.push('Unowned tracked files: none');
  else {
    lines.push(`Unowned tracked files: ${r.unowned.count} (no phase may change them; add them to a phase's "owns" or to "shared" if that is wrong)`);
    for (const f of r.unowned.examples) lines.push(`  ${f}`);
    if (r.unowned.count > r.unowned.examples.length) lines.push(`  ... and ${r.unowned.count - r.unowned.examples.length} more`);
  }
  if (r.conflicts.length) {
    lines.push(`Predicted conflicts between phase branches: ${r.conflicts.length} (details: "parallel conflicts")`);
    for (const c of r.conflicts) lines.push(`  ${c.a} x ${c.b}: ${c.files.slice(0, 5).join(', ')}${c.files.length > 5 ? `, ... (${c.files.length} files)` : ''}`);
  }
  for (const w of r.warnings) lines.push(`Warning: ${w}.`);
  return lines.join('\n');
}
