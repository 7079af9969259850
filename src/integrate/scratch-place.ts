/**
 * Where integrate's scratch worktree lives: next to the phase worktrees, at the plan's `worktrees`
 * template with `{phase}` = `integration` (the reserved id), never under `.git`: test suites,
 * static file servers, linters and glob libraries treat dot-folders specially, so tests must run
 * where a user's own checkout would be. It is recognised by a marker file in its private git dir
 * (`<common dir>/worktrees/<name>/parallel-integration`), read with no git call, like the phase
 * markers. A scratch worktree at the place older versions used (`<common dir>/parallel/integrate/
 * worktree`, no marker) or at an earlier template's place is moved with `git worktree move`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { INTEGRATION_ID, PLAN_FILE, type Plan } from '../core/plan.js';
import { refused } from '../errors.js';
import { worktreePathFor, pathState } from '../worktrees/layout.js';
import type { RepoContext } from '../git/repo.js';

export const SCRATCH_MARKER = 'parallel-integration';

/** Where the scratch worktree goes for this plan. */
export function scratchTarget(ctx: RepoContext, plan: Pick<Plan, 'worktrees'>): string {
  return worktreePathFor(plan, ctx.mainWorktree, INTEGRATION_ID);
}

/** The place older versions used, inside integrate's state folder. */
export function legacyScratchPath(integrateDir: string): string {
  return join(integrateDir, 'worktree');
}

export interface ScratchWorktree {
  path: string;
  /** `<common dir>/worktrees/<name>` */
  gitDir: string;
  /** Deleted by hand: git still lists it until `git worktree prune`. */
  missing: boolean;
  /** At the old place under the common git dir (no marker yet). */
  legacy: boolean;
}

/** Every registered worktree that is integrate's scratch worktree (normally one). */
export function findScratchWorktrees(commonDir: string): ScratchWorktree[] {
  const admin = join(commonDir, 'worktrees');
  const legacy = legacyScratchPath(join(commonDir, 'parallel', 'integrate'));
  let names: string[];
  try {
    names = readdirSync(admin).sort();
  } catch {
    return [];
  }
  const out: ScratchWorktree[] = [];
  for (const name of names) {
    const gitDir = join(admin, name);
    let dotGit: string;
    try {
      dotGit = readFileSync(join(gitDir, 'gitdir'), 'utf8').trim();
    } catch {
      continue;
    }
    const path = dirname(dotGit);
    const isLegacy = resolve(path) === resolve(legacy);
    if (!isLegacy && !existsSync(join(gitDir, SCRATCH_MARKER))) continue;
    out.push({ path, gitDir, missing: !existsSync(dotGit), legacy: isLegacy });
  }
  return out;
}

export function markScratch(gitDir: string): void {
  writeFileSync(join(gitDir, SCRATCH_MARKER), 'integrate scratch worktree: owned by parallel, rebuilt when needed\n');
}

/** The admin folder a worktree's `.git` file points to, when it is a linked worktree of this repository. */
export function adminDirOf(commonDir: string, path: string): string | undefined {
  try {
    const m = /^gitdir: (.+)$/m.exec(readFileSync(join(path, '.git'), 'utf8'));
    const dir = m ? resolve(path, m[1]!.trim()) : undefined;
    return dir && dirname(dir) === resolve(commonDir, 'worktrees') ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The refusal when the scratch worktree's place holds something that is not it. */
export function occupiedError(target: string): Error {
  return refused(
    `parallel: ${target} is where integrate's scratch worktree goes (the "worktrees" template with {phase} = integration), but something else is there; integrate never works in a folder that is not its own. Move or rename ${target}, or change "worktrees" in ${PLAN_FILE} on base, then run "parallel integrate" again.`,
  );
}

/** Is whatever is at `target` free for the scratch worktree (nothing, or an empty folder)? */
export function isFree(target: string): boolean {
  return pathState(target) !== 'occupied';
}
