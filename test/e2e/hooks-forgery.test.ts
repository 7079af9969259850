/**
 * Ways a careless or hostile session could try to get another phase's file onto its branch past
 * the commit check, now that the check runs as the commit moves a ref (no pre-commit of
 * parallel's where the repository has none): a hand-written token, a replace ref that shows the
 * scan an owned commit, and a tag line that makes a detached HEAD's commit look like a branch's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { authAndUi, clean, removeRepo, stage, type HookRepo } from './hooks-fixture.js';

describe('the commit check against forgery (no pre-commit of parallel\'s installed)', () => {
  let h: HookRepo;
  let auth: string;
  const git = (args: string[], input?: string) => h.repo.git(args, { cwd: auth, allowFail: true, ...(input === undefined ? {} : { input }) });
  const tip = () => h.repo.rev('parallel/auth');

  /** A commit on `parent` whose tree is the index after staging `files` (the index is reset after). */
  function commitTree(parent: string, files: Record<string, string>, message: string): string {
    stage(h.repo, auth, files);
    const tree = git(['write-tree']).stdout.trim();
    clean(h.repo, auth);
    return git(['commit-tree', tree, '-p', parent, '-m', message]).stdout.trim();
  }

  beforeAll(() => {
    ({ h, auth } = authAndUi());
    expect(existsSync(join(h.repo.dir, '.git', 'parallel', 'hooks', 'pre-commit'))).toBe(false);
  });
  afterAll(() => removeRepo(h.repo));

  it('judges a commit whose git process found a hand-written token (git\'s pid, the old tip, the branch)', () => {
    const before = tip();
    const gitDir = git(['rev-parse', '--absolute-git-dir']).stdout.trim();
    stage(h.repo, auth, { 'src/ui/button.ts': 'forged\n' });
    // exec gives git the shell's pid, and /proc/<pid> is looked up before the token is written.
    const script = `ls -d /proc/$$ >/dev/null; sleep 0.05; echo "$$ ${before} refs/heads/parallel/auth" > '${gitDir}/parallel-checked'; exec git commit -q -m forged`;
    const r = spawnSync('sh', ['-c', script], { cwd: auth, env: h.repo.env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(128);
    expect(r.stderr).toContain('auth may not change src/ui/button.ts (owned by ui)');
    expect(tip()).toBe(before);
    clean(h.repo, auth);
  });

  it('judges the commit itself, not what a replace ref shows in its place', () => {
    const before = tip();
    const foreign = commitTree(before, { 'src/ui/button.ts': 'replaced\n' }, 'foreign');
    const owned = commitTree(before, { 'src/auth/fine.ts': 'fine\n' }, 'owned');
    expect(git(['replace', foreign, owned]).code).toBe(0);
    try {
      const r = git(['update-ref', 'refs/heads/parallel/auth', foreign, before]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('src/ui/button.ts (owned by ui)');
      expect(tip()).toBe(before);
    } finally {
      git(['replace', '-d', foreign]);
    }
  });

  it('judges a commit on a detached HEAD that a tag moves along with it', () => {
    const before = tip();
    git(['switch', '-q', '--detach']);
    git(['tag', 'along']);
    try {
      const foreign = commitTree(before, { 'src/ui/button.ts': 'tagged\n' }, 'foreign');
      const r = git(['update-ref', '--no-deref', '--stdin'], `update HEAD ${foreign} ${before}\nupdate refs/tags/along ${foreign} ${before}\n`);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('auth may not change src/ui/button.ts (owned by ui)');
      expect(git(['rev-parse', 'HEAD']).stdout.trim()).toBe(before);
    } finally {
      git(['tag', '-d', 'along']);
      git(['switch', '-q', 'parallel/auth']);
    }
  });
});
