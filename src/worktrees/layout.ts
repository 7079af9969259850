/**
 * Where phase worktrees go and what is at those paths. Which ones exist: src/git/phase-worktrees.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_WORKTREES, PLAN_FILE, expandWorktrees, worktreesProblem, type PhaseId, type Plan } from '../core/plan.js';
import { usageError } from '../errors.js';
import { git, splitZ } from '../git/git.js';

// The reader of phase worktrees lives in src/git/phase-worktrees.ts (hooks and status use it too).
export { listPhaseWorktrees, phaseWorktreeMap, type PhaseWorktree } from '../git/phase-worktrees.js';

/** The folder of a phase's worktree from the plan's `worktrees` template, relative to the main worktree. */
export function worktreePathFor(plan: Pick<Plan, 'worktrees'>, mainWorktree: string, phase: PhaseId): string {
  const template = plan.worktrees || DEFAULT_WORKTREES;
  const problem = worktreesProblem(template, mainWorktree);
  if (problem) throw usageError(`parallel: ${problem}. Change "worktrees" in ${PLAN_FILE} on base.`);
  return expandWorktrees(template, mainWorktree, phase);
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
