/**
 * Session-scoped folders inside a phase worktree. Each session has its own scratch folder,
 * named by its session id (never found by modification time), under `.parallel/`, which git
 * ignores through `info/exclude`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PARALLEL_DIR } from './exclude.js';

export const BRIEF_FILE = `${PARALLEL_DIR}/BRIEF.md`;
export const SCRATCH_ROOT = `${PARALLEL_DIR}/scratch`;

/** `.parallel/scratch/<session>` relative to the worktree. */
export function scratchRelPath(session: string): string {
  return `${SCRATCH_ROOT}/${session}`;
}

/** Create (if needed) and return the absolute scratch folder of `session` in `worktree`. */
export function ensureScratchDir(worktree: string, session: string): string {
  const dir = join(worktree, scratchRelPath(session));
  mkdirSync(dir, { recursive: true });
  return dir;
}
