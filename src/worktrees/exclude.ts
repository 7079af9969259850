/**
 * `.parallel/` (the brief and the scratch folders) is kept out of `git status` in every worktree
 * through the repository's `info/exclude`, which lives in the common git dir and so applies to
 * all worktrees. `init` writes it; `start` makes sure it is still there, so a new worktree is
 * clean even in a repository set up before, or edited by hand since.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PARALLEL_DIR = '.parallel';
export const EXCLUDE_LINE = '/.parallel/';

/** Add `/.parallel/` to `<common dir>/info/exclude` unless an equivalent line is there. Returns whether it wrote. */
export function ensureParallelExcluded(commonDir: string): boolean {
  return ensureExcluded(commonDir, EXCLUDE_LINE, 'briefs and scratch folders of phase worktrees', ['.parallel', '.parallel/', '/.parallel']);
}

/** Add `line` to `<common dir>/info/exclude` (with a comment) unless it, or an `equivalent`, is there. Returns whether it wrote. */
export function ensureExcluded(commonDir: string, line: string, why: string, equivalents: readonly string[] = []): boolean {
  const file = join(commonDir, 'info', 'exclude');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    mkdirSync(join(commonDir, 'info'), { recursive: true });
  }
  if (text.split(/\r?\n/).some((l) => l.trim() === line || equivalents.includes(l.trim()))) return false;
  appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}# parallel: ${why}\n${line}\n`);
  return true;
}
