/**
 * `remove --force` saves before it removes: the worktree's files as they are (tracked changes,
 * untracked files, the scratch folders and changed ignored `copy` files) in one commit whose parent is the worktree's HEAD, on
 * `refs/parallel/saved/<phase>/<time>`. Built with a temporary index (GIT_INDEX_FILE), so the
 * worktree's own index and files are left untouched; the ref is created with a compare-and-swap
 * against "does not exist", so two saves never overwrite each other.
 */
import { copyFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitOut, GitError, NO_HOOKS, ZERO_OID } from '../git/git.js';
import type { UnsavedWork } from './unsaved.js';

export const SAVED_REF_PREFIX = 'refs/parallel/saved/';

export interface SavedWork {
  ref: string;
  commit: string;
  /**
   * HEAD was detached (a rebase stopped at "edit", commits on no branch): the way back first
   * returns to that commit, the saved commit's parent, since the restarted worktree is on the branch.
   */
  detached?: boolean;
}

/** `20261122T104500Z` */
export function refStamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

export function saveWork(worktree: string, gitDir: string, who: { phase: string; session: string }, work: Pick<UnsavedWork, 'changed' | 'untracked' | 'scratch' | 'ignored'>, now = new Date()): SavedWork {
  const tmp = mkdtempSync(join(tmpdir(), 'parallel-save-'));
  try {
    const index = join(tmp, 'index');
    // Start from the worktree's index: its stat data spares re-hashing every unchanged file.
    if (existsSync(join(gitDir, 'index'))) copyFileSync(join(gitDir, 'index'), index);
    // Exactly the paths found to be work (not the untouched copies of `copy` files, which
    // would collide with the fresh copies when the work is brought back), taken literally.
    const env = { GIT_INDEX_FILE: index, GIT_LITERAL_PATHSPECS: '1' };
    const add = (paths: string[], force: boolean) => {
      if (paths.length) git(['add', '-A', ...(force ? ['--force'] : []), '--pathspec-from-file=-', '--pathspec-file-nul'], { cwd: worktree, env, input: paths.join('\0') });
    };
    add([...work.changed, ...work.untracked], false);
    add([...work.scratch, ...work.ignored], true);
    const tree = gitOut(['write-tree'], { cwd: worktree, env });
    const head = gitOut(['rev-parse', '--verify', 'HEAD'], { cwd: worktree });
    const detached = git(['symbolic-ref', '-q', 'HEAD'], { cwd: worktree, okCodes: [0, 1] }).exitCode !== 0;
    const message = `parallel: saved work of phase ${who.phase} (session ${who.session})\n\nFrom ${worktree} at ${now.toISOString()}, before "parallel remove --force"${detached ? ', HEAD detached at this commit\'s parent' : ''}.\nGet it back in a worktree of ${who.phase}: ${restoreHint({ ref: '<this commit>', detached })}\n`;
    let commit: string;
    try {
      commit = gitOut(['commit-tree', tree, '-p', head, '-F', '-'], { cwd: worktree, input: message });
    } catch (e) {
      // No identity configured: the save must not fail for that.
      if (!(e instanceof GitError) || !/identity|tell me who you are|empty ident/i.test(e.stderr)) throw e;
      commit = gitOut(['commit-tree', tree, '-p', head, '-F', '-'], {
        cwd: worktree, input: message,
        env: { GIT_AUTHOR_NAME: 'parallel', GIT_AUTHOR_EMAIL: 'parallel@localhost', GIT_COMMITTER_NAME: 'parallel', GIT_COMMITTER_EMAIL: 'parallel@localhost' },
      });
    }
    const stamp = refStamp(now);
    for (let n = 0; n < 100; n++) {
      const ref = `${SAVED_REF_PREFIX}${who.phase}/${stamp}${n ? `-${n}` : ''}`;
      const res = git([...NO_HOOKS, 'update-ref', ref, commit, ZERO_OID], { cwd: worktree, okCodes: [0, 1, 128] });
      if (res.exitCode === 0) return { ref, commit, ...(detached ? { detached } : {}) };
    }
    throw new Error(`could not create a ref under ${SAVED_REF_PREFIX}${who.phase}/`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The commands that bring saved work back into a (re)started worktree of the phase: HEAD where
 * it was (when it was detached), then the files as they were, uncommitted.
 */
export function restoreHint(saved: Pick<SavedWork, 'ref' | 'detached'>): string {
  const back = `git cherry-pick --no-commit ${saved.ref} && git reset -q`;
  return saved.detached ? `git checkout -q --detach ${saved.ref}~1 && ${back}` : back;
}
