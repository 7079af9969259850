/**
 * What removing a worktree would lose: tracked changes, untracked files, files in the scratch
 * folders (ignored by git, so `git worktree remove` would delete them silently), and commits a
 * detached HEAD holds that no branch has. Untracked copies of the plan's `copy` files that are
 * still identical to the main worktree's are not work (they came from there); a `copy` file git
 * ignores (`.env` in .gitignore) that differs from the main worktree's is work, though `git status`
 * does not list it and `git worktree remove` would delete it.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, splitZ } from '../git/git.js';
import { listCopyFiles, walk } from './copy-files.js';
import { SCRATCH_ROOT } from './scratch-dir.js';

export interface UnsavedWork {
  /** Tracked files changed (staged or not, or unmerged). */
  changed: string[];
  /** Untracked files that git does not ignore. */
  untracked: string[];
  /** Files under `.parallel/scratch/`. */
  scratch: string[];
  /** `copy` files git ignores that differ from the main worktree's copy (or it has none). */
  ignored: string[];
  /** A detached HEAD with commits on no branch. */
  strandedHead?: string;
  /** Untracked copies of `copy` files still identical to the main worktree's (not work). */
  copies: string[];
}

export function unsavedCount(u: UnsavedWork): number {
  return u.changed.length + u.untracked.length + u.scratch.length + u.ignored.length + (u.strandedHead ? 1 : 0);
}

/** Up to `max` lines naming what would be lost. */
export function describeUnsaved(u: UnsavedWork, max = 12): string[] {
  const items = [
    ...u.changed.map((p) => `modified:  ${p}`),
    ...u.untracked.map((p) => `untracked: ${p}`),
    ...u.ignored.map((p) => `ignored:   ${p} (a copy file, changed)`),
    ...u.scratch.map((p) => `scratch:   ${p}`),
    ...(u.strandedHead ? [`commits:   HEAD ${u.strandedHead.slice(0, 12)} is detached and on no branch`] : []),
  ];
  return items.length > max ? [...items.slice(0, max), `... and ${items.length - max} more`] : items;
}

function sameFile(a: string, b: string): boolean {
  try {
    const sa = lstatSync(a);
    const sb = lstatSync(b);
    if (!sa.isFile() || !sb.isFile() || sa.size !== sb.size) return false;
    return readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
}

export async function findUnsavedWork(worktree: string, gitDir: string, opts: { copy: readonly string[]; mainWorktree: string }): Promise<UnsavedWork> {
  const out: UnsavedWork = { changed: [], untracked: [], scratch: [], ignored: [], copies: [] };
  const status = git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'], { cwd: worktree }).stdout;
  for (const entry of splitZ(status)) {
    const xy = entry.slice(0, 2);
    const path = entry.slice(3);
    if (xy === '??') out.untracked.push(path);
    else out.changed.push(path);
  }
  if (opts.copy.length) {
    // `copy` files git status did not list: tracked and unchanged, or ignored. An ignored one
    // that differs from the main worktree's is work `git worktree remove` would delete.
    const listed = new Set([...out.changed, ...out.untracked]);
    const rest = (await listCopyFiles(opts.copy, worktree)).filter((p) => !listed.has(p));
    if (rest.length) {
      const res = git(['check-ignore', '-z', '--stdin'], { cwd: worktree, input: rest.join('\0'), okCodes: [0, 1] });
      out.ignored = splitZ(res.stdout).filter((p) => !sameFile(join(worktree, p), join(opts.mainWorktree, p)));
    }
  }
  if (out.untracked.length && opts.copy.length) {
    const { compilePatterns } = await import('../core/ownership.js');
    const isCopy = compilePatterns(opts.copy.map((c) => c.replace(/\/+$/, '')));
    const copy = (p: string) => isCopy(p) && sameFile(join(worktree, p), join(opts.mainWorktree, p));
    out.copies = out.untracked.filter(copy);
    out.untracked = out.untracked.filter((p) => !copy(p));
  }
  if (existsSync(join(worktree, SCRATCH_ROOT))) walk(worktree, SCRATCH_ROOT, out.scratch);
  let head = '';
  try {
    head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  } catch {
    // unreadable HEAD: git status above would have failed first
  }
  if (/^[0-9a-f]{40,64}$/.test(head)) {
    const stranded = git(['rev-list', '-n', '1', head, '--not', '--branches', '--tags', '--remotes'], { cwd: worktree }).stdout.trim();
    if (stranded) out.strandedHead = head;
  }
  return out;
}
