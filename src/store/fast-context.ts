/**
 * The repository context of a session command without spawning git: walk up from cwd to the
 * `.git` entry; a linked worktree's `.git` file names its git dir, whose `commondir` file names
 * the common dir (gitrepository-layout). A heartbeat runs in every agent loop, and this saves a
 * process per call. Anything unusual (GIT_DIR set, a bare repository, an unreadable file) falls
 * back to `openRepo`, the one general way.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve, isAbsolute } from 'node:path';
import { openRepo, readMarker, type RepoContext } from '../git/repo.js';

export function openRepoFast(cwd: string): RepoContext {
  if (process.env.GIT_DIR || process.env.GIT_WORK_TREE || process.env.GIT_COMMON_DIR) return openRepo(cwd);
  try {
    let dir = realpathSync(cwd);
    for (;;) {
      const dotGit = join(dir, '.git');
      let st;
      try {
        st = statSync(dotGit);
      } catch {
        st = undefined;
      }
      if (st?.isFile()) {
        const m = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
        if (!m) return openRepo(cwd);
        const gitDir = resolve(dir, m[1]!.trim());
        const common = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
        const commonDir = isAbsolute(common) ? common : resolve(gitDir, common);
        if (!statSync(join(commonDir, 'HEAD')).isFile()) return openRepo(cwd);
        const mainWorktree = commonDir.endsWith('/.git') ? dirname(commonDir) : dir;
        return { cwd, toplevel: dir, gitDir, commonDir, mainWorktree, isMain: false, marker: readMarker(gitDir) };
      }
      if (st?.isDirectory()) {
        // The main worktree: its own git dir is the common dir.
        if (!statSync(join(dotGit, 'HEAD')).isFile()) return openRepo(cwd);
        return { cwd, toplevel: dir, gitDir: dotGit, commonDir: dotGit, mainWorktree: dir, isMain: true };
      }
      const up = dirname(dir);
      if (up === dir) return openRepo(cwd);
      dir = up;
    }
  } catch {
    return openRepo(cwd);
  }
}
