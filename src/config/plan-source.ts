/**
 * Where a command gets its plan. `check` and `plan` read the working copy; everything else (and
 * every hook) reads `.parallel.yml` as committed on base, so a phase branch that edits the plan
 * changes nothing. The committed plan is cached as JSON per blob id under the common git dir,
 * so most commands never load the YAML parser.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ParallelError, ExitCode } from '../errors.js';
import { git, gitAsync, gitBytes, gitTry, type GitResult } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import { freshHookState, type CacheTrust } from '../git/hook-state.js';
import { PLAN_FILE, type Plan } from '../core/plan.js';
import type { PlanProblem } from './plan-loader.js';

/** The one limit on a plan's size (working copy and committed). */
export const MAX_PLAN_BYTES = 1024 * 1024;

export function invalidPlan(file: string, problems: PlanProblem[], cycle?: string[]): ParallelError {
  const text = problems.map((p) => `${file}:${p.line}:${p.col}: ${p.message}`).join('\n');
  return new ParallelError(`${text}\nparallel: the plan is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}); fix ${problems.length === 1 ? 'it' : 'them'} and run "parallel check" again.`, {
    exitCode: ExitCode.usage,
    code: 'invalid_plan',
    details: { problems: problems.map((p) => ({ file, ...p })), cycle: cycle ?? null },
  });
}

function planError(file: string, message: string): ParallelError {
  return invalidPlan(file, [{ line: 1, col: 1, message }]);
}

/** Decode plan bytes as UTF-8, refusing binary or non-UTF-8 content and oversized files. */
export function decodePlan(file: string, bytes: Buffer): string {
  if (bytes.length > MAX_PLAN_BYTES) throw planError(file, `the plan is ${(bytes.length / 1048576).toFixed(1)} MiB; a plan may be at most 1 MiB, keep it short`);
  if (bytes.includes(0)) throw planError(file, 'the plan is not text (it contains NUL bytes); it must be UTF-8 YAML');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw planError(file, 'the plan is not valid UTF-8 text; save it as UTF-8');
  }
}

/** Where a cached plan (or another cached verdict) lives (nothing is created: reading needs no write access). */
export function cachePath(ctx: RepoContext, name: string): string {
  return join(ctx.commonDir, 'parallel', 'cache', name);
}

/** The cache is an optimisation: a read-only or damaged git dir only means no cache. */
export function writeCache(file: string, data: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, file);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing to clean
    }
  }
}

async function parse(file: string, text: string, recordedBase?: string): Promise<Plan> {
  const { parsePlan } = await import('./plan-loader.js');
  const res = parsePlan(text, { recordedBase });
  if (!res.ok) throw invalidPlan(file, res.problems, res.cycle);
  return res.plan;
}

/** The recorded base (`git config parallel.base`), if `parallel init` has run. */
export interface WorkingPlan {
  plan: Plan;
  file: string;
  /** True when the working copy differs from the plan committed on base (HEAD when no base is recorded), or none is committed. */
  differsFromCommitted: boolean;
  /** False when base (HEAD when no base is recorded) has no `.parallel.yml` at all. */
  committed: boolean;
  /** `git config parallel.base`, when recorded. */
  recordedBase?: string;
}

/** The git questions `readWorkingPlan` asks, started early by a caller that has other work to overlap. */
export interface WorkingPlanQueries {
  base: Promise<GitResult>;
  committed: Promise<GitResult>;
}

/** Start `readWorkingPlan`'s git calls from any directory of the worktree (before `openRepo`, even). */
export function startWorkingPlanQueries(cwd: string): WorkingPlanQueries {
  const base = gitAsync(['config', '--get', 'parallel.base'], { cwd, okCodes: [0, 1] });
  // Other commands read the plan committed on base, so that is what the working copy is compared
  // with (HEAD's when no base is recorded yet, or the recorded branch does not exist).
  const blob = (rev: string) => gitAsync(['cat-file', 'blob', `${rev}:${PLAN_FILE}`], { cwd, okCodes: [0, 1, 128] });
  const committed = base.then(async (b) => {
    const recorded = b.exitCode === 0 ? b.stdout.replace(/\n$/, '') : '';
    if (!recorded) return blob('HEAD');
    const onBase = await blob(`refs/heads/${recorded}`);
    if (onBase.exitCode === 0 || gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${recorded}`], { cwd }) !== null) return onBase;
    return blob('HEAD');
  }, () => blob('HEAD'));
  base.catch(() => undefined);
  committed.catch(() => undefined);
  return { base, committed };
}

/**
 * Bump when the loader's verdict on some text could change, so cached working-copy plans
 * written by an older parallel are not trusted.
 */
const LOADER_VERSION = 2;

/**
 * The working copy of `.parallel.yml` in the current worktree. A plan that validated before is
 * taken from a cache keyed by its content and the recorded base, so an unchanged plan costs no
 * YAML parsing; a plan with problems is never cached, so problems always come from the loader.
 */
export async function readWorkingPlan(ctx: RepoContext, prefetched?: WorkingPlanQueries): Promise<WorkingPlan> {
  const file = join(ctx.toplevel, PLAN_FILE);
  // Both git answers are needed only at the end: ask while the file is read and parsed.
  const { base: baseP, committed: committedP } = prefetched ?? startWorkingPlanQueries(ctx.toplevel);
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new ParallelError(`parallel: there is no ${PLAN_FILE} in ${ctx.toplevel}. Run "parallel init" to write a starter plan.`, { exitCode: ExitCode.usage, code: 'invalid_plan' });
  }
  if (st.isDirectory()) throw planError(PLAN_FILE, `${PLAN_FILE} is a directory; it must be a YAML file (move the directory away and run "parallel init")`);
  if (st.size > MAX_PLAN_BYTES) throw planError(PLAN_FILE, `the plan is ${(st.size / 1048576).toFixed(1)} MiB; a plan may be at most 1 MiB, keep it short`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw planError(PLAN_FILE, `${PLAN_FILE} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); fix its permissions (chmod u+r ${PLAN_FILE})`);
  }
  const text = decodePlan(PLAN_FILE, bytes);
  const baseRes = await baseP;
  const recorded = baseRes.exitCode === 0 ? baseRes.stdout.replace(/\n$/, '') : undefined;
  // The key is the text itself (no hashing module to load): same loader, same base, same text.
  const key = `${LOADER_VERSION}\0${recorded ?? ''}\0${text}`;
  // One entry (the last valid plan seen), so edits do not pile up cache files.
  const cacheFile = cachePath(ctx, 'working-plan.json');
  let plan: Plan | undefined;
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { key: string; plan: Plan };
    if (cached.key === key) plan = cached.plan;
  } catch {
    // not cached yet
  }
  if (!plan) {
    plan = await parse(PLAN_FILE, text, recorded);
    writeCache(cacheFile, { key, plan });
  }
  const res = await committedP;
  const committed = res.exitCode === 0 ? res.stdout : null;
  return { plan, file: PLAN_FILE, differsFromCommitted: committed === null || committed.replace(/\n$/, '') !== text.replace(/\n$/, ''), committed: committed !== null, recordedBase: recorded };
}

export interface CommittedPlan {
  plan: Plan;
  /** Blob id of `.parallel.yml` on base. */
  blob: string;
  base: string;
}

export const VERIFIED: CacheTrust = { verified: true };

/** The plan in blob `blob` (named `file` in problems), from the per-blob cache or parsed and cached. */
export async function planFromBlob(ctx: RepoContext, blob: string, file: string, opts: CacheTrust = {}): Promise<Plan> {
  const cacheFile = cachePath(ctx, `plan-${blob}.json`);
  if (!opts.verified) {
    try {
      return JSON.parse(readFileSync(cacheFile, 'utf8')) as Plan;
    } catch {
      // not cached yet
    }
  }
  // Bytes, not a string: decoding here would turn bad bytes into U+FFFD before decodePlan sees them.
  const plan = await parse(file, decodePlan(file, gitBytes(['cat-file', 'blob', blob], { cwd: ctx.toplevel })));
  writeCache(cacheFile, plan);
  return plan;
}

/** `.parallel.yml` as committed on `base`, cached by blob id. */
export async function readCommittedPlan(ctx: RepoContext, base: string, opts: CacheTrust = {}): Promise<CommittedPlan> {
  // Base's commit and plan blob as the hooks last recorded them, while fresh (no git process).
  const cached = opts.verified ? undefined : freshHookState(ctx.commonDir);
  const res = cached?.base === base
    ? { stdout: `${cached.baseOid}\n${cached.blob}`, exitCode: 0 }
    : git(['rev-parse', '--quiet', `refs/heads/${base}`, `${base}:${PLAN_FILE}`], { cwd: ctx.toplevel, okCodes: [0, 1, 128] });
  const [baseOid, blob] = res.stdout.split('\n');
  if (!baseOid || res.exitCode !== 0 && !blob) {
    if (!gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${base}`], { cwd: ctx.toplevel })) {
      throw new ParallelError(`parallel: the base branch "${base}" does not exist. Create it, or record another base with "git config parallel.base <branch>".`, { exitCode: ExitCode.usage, code: 'usage' });
    }
  }
  if (!blob || res.exitCode !== 0) {
    throw new ParallelError(`parallel: ${PLAN_FILE} is not committed on ${base}. Commit it there ("git add ${PLAN_FILE} && git commit"); phases and hooks read the plan from ${base}.`, { exitCode: ExitCode.usage, code: 'invalid_plan' });
  }
  const file = `${base}:${PLAN_FILE}`;
  const plan = await planFromBlob(ctx, blob, file, opts);
  // The cache is per blob, the base per repository: compare on every read (SPEC: "base" must match).
  if (plan.base !== undefined && plan.base !== base) {
    const text = git(['cat-file', 'blob', blob], { cwd: ctx.toplevel }).stdout;
    const line = text.split('\n').findIndex((l) => /^base\s*:/.test(l)) + 1 || 1;
    const { baseMismatch } = await import('./plan-loader.js');
    throw invalidPlan(file, [{ line, col: 1, message: baseMismatch(plan.base, base) }]);
  }
  return { plan, blob, base };
}
