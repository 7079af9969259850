/**
 * Creating a phase worktree, all or nothing: `git worktree add` (making the branch in the same
 * call when it is new), then the marker, `.parallel/` (brief, scratch) and the `copy` files. If
 * anything fails, what this call made is taken back: the worktree (`git worktree remove`) and a
 * branch it created (deleted only if still at the commit it was made at).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, GitError, NO_HOOKS } from '../git/git.js';
import { writeMarker, type PhaseMarker, type RepoContext } from '../git/repo.js';
import { prepareWorktreeHooks } from '../hooks/install.js';
import { phaseBranch } from '../core/plan.js';
import { ParallelError, ExitCode } from '../errors.js';
import { linkedGitDir } from './layout.js';
import { BRIEF_FILE, ensureScratchDir } from './scratch-dir.js';
import { PARALLEL_DIR } from './exclude.js';
import { faultPoint } from '../integrate/faults.js';

export interface CreateSpec {
  marker: PhaseMarker;
  path: string;
  branch: 'new' | 'existing' | 'detached';
  /** The commit a new branch starts at, or a reviewer's detached HEAD. */
  startPoint?: string;
  /** A stale git entry of this phase's worktree (deleted by hand) to clear first. */
  staleEntry?: string;
}

export interface CreatedWorktree {
  phase: string;
  path: string;
  gitDir: string;
  /** Set when this call created the branch: the commit it was created at. */
  createdBranchAt?: string;
}

/** Write the marker, `.parallel/BRIEF.md` and the session's scratch folder into a worktree. */
export function markWorktree(gitDir: string, path: string, marker: PhaseMarker, brief: string): void {
  writeMarker(gitDir, marker);
  mkdirSync(join(path, PARALLEL_DIR), { recursive: true });
  writeFileSync(join(path, BRIEF_FILE), brief);
  ensureScratchDir(path, marker.session);
}

/** Run `git worktree add` for a spec. Throws GitError; leaves the rollback to the caller. */
function addWorktree(cwd: string, spec: CreateSpec): void {
  const branch = phaseBranch(spec.marker.phase);
  if (spec.staleEntry) {
    // Only this phase's stale entry: `git worktree remove` of a folder that is gone just drops git's record of it.
    git(['worktree', 'remove', '--force', spec.staleEntry], { cwd });
  }
  const args = spec.branch === 'new' ? ['worktree', 'add', '-b', branch, spec.path, spec.startPoint!]
    : spec.branch === 'existing' ? ['worktree', 'add', spec.path, branch]
      : ['worktree', 'add', '--detach', spec.path, spec.startPoint!];
  git(args, { cwd });
}

/**
 * Create the worktree, mark it, write the brief and run `fill` (copy files). On any failure,
 * roll back what was made here and throw a ParallelError that says so.
 */
export async function createPhaseWorktree(ctx: RepoContext, spec: CreateSpec, brief: string, fill: (path: string) => Promise<void>): Promise<CreatedWorktree> {
  const cwd = ctx.toplevel;
  const phase = spec.marker.phase;
  const created: CreatedWorktree = { phase, path: spec.path, gitDir: '' };
  if (spec.branch === 'new') created.createdBranchAt = spec.startPoint;
  try {
    addWorktree(cwd, spec);
    const gitDir = linkedGitDir(spec.path);
    if (!gitDir) throw new Error(`git created no worktree at ${spec.path}`);
    created.gitDir = gitDir;
    // Hooks first, then the marker: the marker is what makes the worktree a phase, so a kill
    // between the two leaves an unmarked worktree (adopted by the next start), never a phase
    // whose commits nothing checks.
    prepareWorktreeHooks(ctx, gitDir, spec.marker.reviewer === true);
    faultPoint('start: hooks set, marker not written');
    markWorktree(gitDir, spec.path, spec.marker, brief);
    await fill(spec.path);
    return created;
  } catch (e) {
    const problems = rollbackWorktree(cwd, created);
    const why = e instanceof GitError ? e.stderr.trim().split('\n').filter((l) => !/^(Preparing worktree|HEAD is now at)/.test(l)).join(' ') || e.message : (e as Error).message;
    const undone = problems.length ? ` Cleaning up failed too: ${problems.join('; ')}.` : ` Nothing of ${phase} was left behind.`;
    throw new ParallelError(`parallel: could not create the worktree of ${phase} at ${spec.path}: ${why}.${undone} Fix the cause and run "parallel start" again.`, { exitCode: ExitCode.refused, code: 'git' });
  }
}

/** Take back a worktree made by `createPhaseWorktree` (and its branch if it made it). Returns problems. */
export function rollbackWorktree(cwd: string, created: CreatedWorktree): string[] {
  const problems: string[] = [];
  if (linkedGitDir(created.path)) {
    const res = git(['worktree', 'remove', '--force', '--force', created.path], { cwd, okCodes: [0, 128] });
    if (res.exitCode !== 0) problems.push(`git worktree remove ${created.path}: ${res.stderr.trim()}`);
  }
  if (created.createdBranchAt) {
    // Compare-and-swap: delete the branch only if it is still where this run made it.
    const ref = `refs/heads/${phaseBranch(created.phase)}`;
    const res = git([...NO_HOOKS, 'update-ref', '-d', ref, created.createdBranchAt], { cwd, okCodes: [0, 1, 128] });
    const still = git(['rev-parse', '--verify', '--quiet', ref], { cwd, okCodes: [0, 1, 128] });
    if (still.exitCode === 0 && res.exitCode !== 0) problems.push(`the branch ${phaseBranch(created.phase)} moved since it was made, so it was kept`);
  }
  return problems;
}
