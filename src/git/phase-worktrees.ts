/**
 * The one reader of this clone's phase worktrees. The list comes from git's own admin folders
 * (`<common dir>/worktrees/<name>/`): each holds `gitdir` (the path of the worktree's `.git` file)
 * and, for a phase worktree, our marker. Reading those files costs no git process and also finds
 * worktrees deleted by hand (their `gitdir` points at nothing: git calls them prunable).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readMarker, type PhaseMarker } from './repo.js';

export interface PhaseWorktree {
  phase: string;
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
      continue; // no gitdir file: half-created, or broken for git itself
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
export function phaseWorktreeMap(commonDir: string): Map<string, PhaseWorktree> {
  const map = new Map<string, PhaseWorktree>();
  for (const wt of listPhaseWorktrees(commonDir)) {
    const seen = map.get(wt.phase);
    if (!seen || (seen.missing && !wt.missing)) map.set(wt.phase, wt);
  }
  return map;
}
