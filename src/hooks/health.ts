/**
 * Whether parallel's hooks are installed and reached in every phase worktree (for `doctor`):
 * husky, lefthook or a hand edit may have replaced them, a worktree may have lost its
 * per-worktree `core.hooksPath`, or a hook the repository added later may not be chained yet.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitTry } from '../git/git.js';
import { shUnquoteInside } from '../core/shell-quote.js';
import type { RepoContext } from '../git/repo.js';
import {
  GIT_HOOK_NAMES, LIBRARY_FILE, isExecutableFile, neededHookNames, ownHookNames, parallelHooksDir, phaseWorktrees, userHooksDir, userHooksPath,
} from './install.js';

export interface HookProblem {
  message: string;
  fix: string;
  /** The phase worktree it is about (worktree problems only). */
  phase?: string;
}

const FIX = 'parallel init';

/** Problems with the hooks folder itself. */
export function hooksFolderProblems(ctx: RepoContext): HookProblem[] {
  const dir = parallelHooksDir(ctx);
  const lib = join(dir, LIBRARY_FILE);
  if (!existsSync(lib)) return [{ message: `parallel's hooks are not installed (${dir} is missing)`, fix: FIX }];
  const problems: HookProblem[] = [];
  // Ours must be there; a chained one missing is told per worktree (worktreeHookProblems), but
  // one some tool replaced (lefthook install in a phase worktree) is told here.
  const wts = phaseWorktrees(ctx);
  const own = ownHookNames(wts);
  for (const name of neededHookNames(ctx, wts)) {
    const file = join(dir, name);
    if (!existsSync(file) && !own.includes(name)) continue;
    if (!isExecutableFile(file) || !readFileSync(file, 'utf8').includes("parallel's git hook")) {
      problems.push({ message: `the ${name} hook in ${dir} is missing or not parallel's`, fix: FIX });
    }
  }
  const quoted = /^pl_dist='(.*)'$/m.exec(readFileSync(lib, 'utf8'))?.[1];
  const dist = quoted === undefined ? undefined : shUnquoteInside(quoted);
  if (!dist || !existsSync(join(dist, 'hooks', 'check.js'))) {
    problems.push({ message: `the hooks point to parallel's files at ${dist ?? '?'}, which are gone (parallel was moved or reinstalled)`, fix: FIX });
  }
  return problems;
}

/** Problems per phase worktree: hooks not reached, or the repository's own hooks not chained. */
export function worktreeHookProblems(ctx: RepoContext): HookProblem[] {
  const dir = parallelHooksDir(ctx);
  const configured = userHooksPath(ctx);
  const problems: HookProblem[] = [];
  for (const wt of phaseWorktrees(ctx)) {
    if (wt.missing) continue;
    const used = gitTry(['rev-parse', '--path-format=absolute', '--git-path', 'hooks'], { cwd: wt.path });
    if (used !== dir) {
      problems.push({ message: `commits in phase ${wt.marker.phase} (${wt.path}) are not checked: git runs hooks from ${used ?? '?'} there, not from ${dir}`, fix: FIX, phase: wt.marker.phase });
      continue;
    }
    const userDir = userHooksDir(ctx, wt.path, configured);
    if (userDir === dir) continue;
    for (const name of GIT_HOOK_NAMES) {
      if (isExecutableFile(join(userDir, name)) && !existsSync(join(dir, name))) {
        problems.push({ message: `your ${name} hook (${join(userDir, name)}) does not run in phase ${wt.marker.phase}: parallel's hooks folder has no ${name} to chain it`, fix: FIX, phase: wt.marker.phase });
      }
    }
  }
  return problems;
}
