/**
 * Predicted merge conflicts between branches, computed with `git merge-tree --write-tree`
 * (git 2.38+): a real three-way merge into the object store, no worktree or index touched.
 *
 * Only pairs that touched a common file (or a file where the other has a folder) can conflict, so
 * each side's touched files are listed first (one `git log` per branch since the merge base of all of them) and only pairs whose
 * lists intersect are merged. A few git processes run at once.
 */
import { gitAsync, git, splitZ } from './git.js';
import { readPhaseTips, readPhaseTipsAsync, type PhaseTips } from './phase-tips.js';
import type { PhaseId } from '../core/plan.js';

export interface ConflictPair {
  /** Names as the caller gave them (phase ids, or "integration"). */
  a: string;
  b: string;
  /** Files that would conflict, sorted. */
  files: string[];
}

export interface BranchSide {
  /** Shown in reports: a phase id, or "integration". */
  name: string;
  /** Anything git resolves to a commit: a full ref name or an object id. */
  ref: string;
}

export interface PredictOptions {
  /** How many git processes run at once (default 4). */
  concurrency?: number;
}

/** Name used for the integration branch in reports. */
export const INTEGRATION_SIDE = 'integration';

export interface Sides {
  phases: BranchSide[];
  integration?: BranchSide;
}

/**
 * The sides `parallel conflicts` compares: every existing phase branch `parallel/<id>` (sorted
 * by `order` when given, e.g. declaration order), plus the integration branch if it exists.
 */
export function branchSides(cwd: string, order?: readonly PhaseId[]): Sides {
  return orderSides(toSides(readPhaseTips(cwd)), order);
}

/** `branchSides` without blocking (one git call), for commands that do other work meanwhile. */
export async function branchSidesAsync(cwd: string, order?: readonly PhaseId[]): Promise<Sides> {
  return orderSides(toSides(await readPhaseTipsAsync(cwd)), order);
}

function toSides(t: PhaseTips): Sides {
  const sides: Sides = { phases: [...t.phases].map(([name, ref]) => ({ name, ref })) };
  if (t.integration) sides.integration = { name: INTEGRATION_SIDE, ref: t.integration };
  return sides;
}

/** Sort phase sides by `order` (e.g. declaration order), unknown names last by name. */
export function orderSides(sides: Sides, order?: readonly PhaseId[]): Sides {
  const rank = (id: string) => { const i = order?.indexOf(id) ?? -1; return i === -1 ? Number.MAX_SAFE_INTEGER : i; };
  const phases = [...sides.phases].sort((x, y) => rank(x.name) - rank(y.name) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return { ...sides, phases };
}

/** Every two phase branches, then each phase branch with the integration branch. */
export function defaultPairs(sides: Sides): [BranchSide, BranchSide][] {
  const pairs: [BranchSide, BranchSide][] = [];
  const { phases, integration } = sides;
  for (let i = 0; i < phases.length; i++) for (let j = i + 1; j < phases.length; j++) pairs.push([phases[i]!, phases[j]!]);
  if (integration) for (const p of phases) pairs.push([p, integration]);
  return pairs;
}

async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface Touched {
  files: Set<string>;
  /** Every folder above a touched file: a file on the other side at one of them is a file/directory conflict. */
  dirs: Set<string>;
}

/**
 * Which files `ref` touched since `since` (merge commits: what they change against their first
 * parent), and the folders above them. A superset of what it changed since any later merge base,
 * which is all the filter needs.
 */
async function touchedFiles(cwd: string, ref: string, since: string | undefined): Promise<Touched> {
  const args = ['log', '--format=', '--name-only', '--no-renames', '-z', '--diff-merges=first-parent', ref];
  if (since) args.push('--not', since);
  const res = await gitAsync(args, { cwd });
  const files = new Set(splitZ(res.stdout).map((f) => f.replace(/^\n+/, '')).filter(Boolean));
  const dirs = new Set<string>();
  for (const f of files) {
    for (let i = f.lastIndexOf('/'); i > 0; i = f.lastIndexOf('/', i - 1)) {
      const dir = f.slice(0, i);
      if (dirs.has(dir)) break;
      dirs.add(dir);
    }
  }
  return { files, dirs };
}

/** Could merging the two sides conflict: a file both touched, or a file one side has where the other has a folder. */
function mayConflict(a: Touched, b: Touched): boolean {
  const meets = (x: Set<string>, y: Set<string>) => {
    const [small, large] = x.size <= y.size ? [x, y] : [y, x];
    for (const f of small) if (large.has(f)) return true;
    return false;
  };
  return meets(a.files, b.files) || meets(a.files, b.dirs) || meets(b.files, a.dirs);
}

/** Merge `a` and `b` in the object store; the conflicted files, or [] when the merge is clean. */
export async function mergeConflicts(cwd: string, a: string, b: string): Promise<string[]> {
  const res = await gitAsync(['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', a, b], { cwd, okCodes: [0, 1, 128] });
  if (res.exitCode === 0) return [];
  if (res.exitCode !== 1) return []; // unrelated histories or a missing commit: nothing to predict
  return conflictFiles(res.stdout, a, b);
}

/**
 * The conflicted files in the `-z --name-only` output of a conflicting `merge-tree` of `a` and `b`.
 * A file/directory conflict lists the file moved aside as "<path>~<side>": report the path.
 */
export function conflictFiles(stdout: string, a: string, b: string): string[] {
  const [, ...files] = splitZ(stdout);
  const unmoved = (f: string) => (f.endsWith(`~${a}`) ? f.slice(0, -a.length - 1) : f.endsWith(`~${b}`) ? f.slice(0, -b.length - 1) : f);
  return [...new Set(files.filter(Boolean).map(unmoved))].sort();
}

/**
 * Predict merge conflicts for each pair (default: `defaultPairs(branchSides(cwd))`). Returns only
 * the pairs that would conflict, in the order given, with the files involved.
 */
export async function predictConflicts(cwd: string, pairs?: readonly [BranchSide, BranchSide][], opts: PredictOptions = {}): Promise<ConflictPair[]> {
  const todo = pairs ?? defaultPairs(branchSides(cwd));
  if (todo.length === 0) return [];
  const limit = Math.max(1, opts.concurrency ?? 4);
  const refs = [...new Set(todo.flatMap(([a, b]) => [a.ref, b.ref]))];
  const octopus = refs.length > 1
    ? git(['merge-base', '--octopus', ...refs], { cwd, okCodes: [0, 1] }).stdout.split('\n')[0] || undefined
    : undefined;
  let candidates = todo;
  if (octopus) {
    const touched = new Map<string, Touched>();
    const lists = await pool(refs, limit, (ref) => touchedFiles(cwd, ref, octopus));
    refs.forEach((ref, i) => touched.set(ref, lists[i]!));
    candidates = todo.filter(([a, b]) => mayConflict(touched.get(a.ref)!, touched.get(b.ref)!));
  }
  const results = await pool(candidates, limit, async ([a, b]) => ({ a: a.name, b: b.name, files: await mergeConflicts(cwd, a.ref, b.ref) }));
  return results.filter((r) => r.files.length > 0);
}
