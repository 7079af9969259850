/**
 * Where phase worktrees are and which ones exist. The list comes from git's own admin folders
 * (`<common dir>/worktrees/<name>/`): each holds `gitdir` (the worktree's `.git` file path) and,
 * for a phase worktree, our marker. Reading those files costs no git process and also finds
 * worktrees deleted by hand (their `gitdir` points at nothing: git calls them prunable).
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_WORKTREES, PLAN_FILE, expandWorktrees, worktreesProblem, type PhaseId, type Plan } from '../core/plan.js';
import { usageError } from '../errors.js';
import { git, splitZ } from '../git/git.js';
import { readMarker, type PhaseMarker } from '../git/repo.js';

export interface PhaseWorktree {
  phase: PhaseId;
  marker: PhaseMarker;
  /** Top of the worktree. */
  path: string;
  /** Its private git dir (`<common dir>/worktrees/<name>`). */
  gitDir: string;
  /** Deleted by hand: the folder is gone but git still lists it until `git worktree prune`. */
  missing: boolean;
  /** `git worktree lock`ed. */
  locked: boolean;
}

/** The folder of a phase's worktree from the plan's `worktrees` template, relative to the main worktree. */
export function worktreePathFor(plan: Pick<Plan, 'worktrees'>, mainWorktree: string, phase: PhaseId): string {
  const template = plan.worktrees || DEFAULT_WORKTREES;
  const problem = worktreesProblem(template, mainWorktree);
  if (problem) throw usageError(`parallel: ${problem}. Change "worktrees" in ${PLAN_FILE} on base.`);
  return expandWorktrees(template, mainWorktree, phase);
}

/** Every linked worktree that carries a phase marker, in admin-folder order. */
export function listPhaseWorktrees(commonDir: string): PhaseWorktree[] {
  const admin = join(commonDir, 'worktrees');
  let names: string[];
  try {
    names = readdirSync(admin);
  } catch {
    return [];
  }
  const out: PhaseWorktree[] = [];
  for (const name of names.sort()) {
    const gitDir = join(admin, name);
    const marker = readMarker(gitDir);
    if (!marker) continue;
    let dotGit: string;
    try {
      dotGit = readFileSync(join(gitDir, 'gitdir'), 'utf8').trim();
    } catch {
      continue;
    }
    out.push({
      phase: marker.phase,
      marker,
      path: dirname(dotGit),
      gitDir,
      missing: !existsSync(dotGit),
      locked: existsSync(join(gitDir, 'locked')),
    });
  }
  return out;
}

/** Phase id -> its worktree (a present one wins over one deleted by hand). */
export function phaseWorktreeMap(commonDir: string): Map<PhaseId, PhaseWorktree> {
  const map = new Map<PhaseId, PhaseWorktree>();
  for (const wt of listPhaseWorktrees(commonDir)) {
    const seen = map.get(wt.phase);
    if (!seen || (seen.missing && !wt.missing)) map.set(wt.phase, wt);
  }
  return map;
}

/** The private git dir of a linked worktree, from its `.git` file. */
export function linkedGitDir(worktree: string): string | undefined {
  try {
    const text = readFileSync(join(worktree, '.git'), 'utf8');
    const m = /^gitdir: (.+)$/m.exec(text);
    return m ? resolve(worktree, m[1]!.trim()) : undefined;
  } catch {
    return undefined;
  }
}

export interface CheckedOut {
  /** Worktree path -> branch ref (`refs/heads/...`) or undefined when detached. */
  branchOf: Map<string, string | undefined>;
  /** Branch ref -> the worktree path it is checked out in. */
  whereIs: Map<string, string>;
}

/** Which branch each worktree has checked out (`git worktree list --porcelain -z`, one call). */
export function checkedOutBranches(cwd: string): CheckedOut {
  const entries = splitZ(git(['worktree', 'list', '--porcelain', '-z'], { cwd }).stdout);
  const branchOf = new Map<string, string | undefined>();
  const whereIs = new Map<string, string>();
  let current: string | undefined;
  for (const line of entries) {
    if (line.startsWith('worktree ')) {
      current = line.slice('worktree '.length);
      branchOf.set(current, undefined);
    } else if (line.startsWith('branch ') && current !== undefined) {
      const ref = line.slice('branch '.length);
      branchOf.set(current, ref);
      whereIs.set(ref, current);
    }
  }
  return { branchOf, whereIs };
}

/** What is at a path a new worktree would take: nothing, an empty folder (git accepts it) or something else. */
export function pathState(path: string): 'absent' | 'empty' | 'occupied' {
  try {
    const st = statSync(path);
    if (!st.isDirectory()) return 'occupied';
    return readdirSync(path).length === 0 ? 'empty' : 'occupied';
  } catch (e) {
    // ENOTDIR (a parent is a file): let git report it, so the caller's rollback path is the one used.
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : 'occupied';
  }
}
