/**
 * Which refs a session may move from its phase worktree (SPEC "Who may do what"): the
 * reference-transaction hook refuses base, the integration branch, other phases' branches,
 * refs/parallel/* and a deletion or rewind of the coordination ref, naming the ref and the way to
 * do it; its own branch, a detached HEAD, stash, tags and remotes stay the user's; and parallel's
 * own writes from (and for) phase worktrees still work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { authAndUi, clean, commit, head, noteWritten, removeRepo, stage, type HookRepo } from './hooks-fixture.js';

describe('reference-transaction: refs a phase worktree may not move', () => {
  let h: HookRepo;
  let auth: string;
  let ui: string;
  let foreign: string;
  const rev = (ref: string) => h.repo.git(['rev-parse', '--verify', '--quiet', ref], { allowFail: true }).stdout.trim();
  const inAuth = (args: string[]) => h.repo.git(args, { cwd: auth, allowFail: true });

  beforeAll(async () => {
    ({ h, auth, ui } = authAndUi());
    // A careless session: on a detached HEAD, a commit of ui's file with the checks off.
    h.repo.git(['switch', '-q', '--detach'], { cwd: auth });
    stage(h.repo, auth, { 'src/ui/button.ts': 'taken over\n' });
    expect(commit(h.repo, auth, ['--no-verify'], { PARALLEL: '0' }).code).toBe(0);
    foreign = head(h.repo, auth);
    await noteWritten(h.repo, foreign); // the tests below compare the coordination ref
  });
  afterAll(() => removeRepo(h.repo));

  it('refuses moving or creating the integration branch, naming parallel integrate', () => {
    const r = inAuth(['update-ref', 'refs/heads/parallel/integration', 'HEAD']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('parallel: refusing to move parallel/integration from the worktree of phase auth');
    expect(r.stderr).toContain('"parallel integrate"');
    expect(rev('refs/heads/parallel/integration')).toBe('');
  });

  it('refuses moving base (update-ref, push to the repository itself), naming integrate --land', () => {
    const main = rev('main');
    const r = inAuth(['update-ref', 'refs/heads/main', 'HEAD']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('parallel: refusing to move main from the worktree of phase auth');
    expect(r.stderr).toContain('parallel integrate --land');
    h.repo.git(['switch', '-q', '--detach']); // else git itself refuses a push to a checked-out branch
    const push = inAuth(['push', '-q', '.', 'HEAD:main']);
    h.repo.git(['switch', '-q', 'main']);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('refusing to move main');
    expect(rev('main')).toBe(main);
  });

  it("refuses another phase's branch, existing or new, and refs/parallel/*", () => {
    const uiTip = rev('parallel/ui');
    const r = inAuth(['update-ref', 'refs/heads/parallel/ui', 'HEAD']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('refusing to move parallel/ui from the worktree of phase auth: a phase moves only its own branch, parallel/auth');
    expect(rev('parallel/ui')).toBe(uiTip);
    expect(inAuth(['update-ref', 'refs/heads/parallel/ui', foreign, uiTip]).code).not.toBe(0);
    expect(inAuth(['update-ref', '-d', 'refs/heads/parallel/ui']).stderr).toContain('refusing to delete parallel/ui');
    expect(inAuth(['branch', '-f', 'parallel/glob']).stderr).toContain('refusing to move parallel/glob');
    expect(rev('parallel/glob')).toBe('');
    const saved = inAuth(['update-ref', 'refs/parallel/saved/auth/x', 'HEAD']);
    expect(saved.code).not.toBe(0);
    expect(saved.stderr).toContain('refusing to move refs/parallel/saved/auth/x');
    expect(rev('refs/parallel/saved/auth/x')).toBe('');
  });

  it("a forged pre-commit token (git's own pid, another ref) moves neither another phase's branch nor base", () => {
    const gitDir = inAuth(['rev-parse', '--absolute-git-dir']).stdout.trim();
    for (const ref of ['refs/heads/parallel/ui', 'refs/heads/main']) {
      const old = rev(ref);
      // exec keeps the shell's pid, so git's pid ($PPID in the hook) is the one in the token.
      const r = spawnSync('sh', ['-c', `echo "$$ ${old} ${ref}" > "${gitDir}/parallel-checked"; exec git update-ref ${ref} ${foreign} ${old}`], { cwd: auth, env: h.repo.env, encoding: 'utf8' });
      expect(r.status, ref).not.toBe(0);
      expect(r.stderr).toContain(`refusing to move ${ref.replace('refs/heads/', '')} from the worktree of phase auth`);
      expect(rev(ref)).toBe(old);
    }
  });

  it('refuses deleting or rewinding the coordination ref; a fast-forward is fine', () => {
    const notes = rev('refs/notes/parallel');
    expect(notes).not.toBe('');
    const del = inAuth(['update-ref', '-d', 'refs/notes/parallel']);
    expect(del.code).not.toBe(0);
    expect(del.stderr).toContain('refusing to delete refs/notes/parallel');
    const rewind = inAuth(['update-ref', 'refs/notes/parallel', `${notes}~1`]);
    expect(rewind.code).not.toBe(0);
    expect(rewind.stderr).toContain('refusing to rewind refs/notes/parallel');
    expect(rev('refs/notes/parallel')).toBe(notes);
    expect(inAuth(['notes', '--ref=parallel', 'append', '-m', 'a note of my own', 'HEAD']).code).toBe(0);
    expect(rev('refs/notes/parallel')).not.toBe(notes);
  });

  it('leaves its own branch, a detached HEAD, stash, tags and remotes to the user', () => {
    expect(inAuth(['tag', 'my-tag']).code).toBe(0);
    expect(inAuth(['update-ref', 'refs/remotes/origin/main', 'HEAD']).code).toBe(0);
    writeFileSync(join(auth, 'README.md'), 'stashed\n');
    expect(inAuth(['stash', '-q']).code).toBe(0);
    expect(inAuth(['stash', 'drop', '-q']).code).toBe(0);
    expect(inAuth(['switch', '-q', 'parallel/auth']).code).toBe(0);
    stage(h.repo, auth, { 'src/auth/b.ts': 'b\n' });
    expect(commit(h.repo, auth).code).toBe(0);
    expect(inAuth(['reset', '-q', '--hard', 'HEAD~1']).code).toBe(0); // its own branch, rewound
    expect(inAuth(['update-ref', 'refs/heads/parallel/auth', 'HEAD@{1}']).code).toBe(0);
    clean(h.repo, auth);
  });

  it("parallel's own writes still work from a phase worktree and for one", () => {
    const done = h.repo.parallel(['done', '-m', 'auth is done'], { cwd: auth });
    expect(done.code, done.stderr).toBe(0);
    // integrate, run from inside a phase worktree.
    const integrate = h.repo.parallel(['integrate', '--land'], { cwd: auth });
    expect(integrate.code, integrate.stderr + integrate.stdout).toBe(0);
    expect(rev('main')).toBe(rev('parallel/integration'));
    // remove --force saves ui's changes under refs/parallel/saved/ (git runs in ui's worktree).
    writeFileSync(join(ui, 'src/ui/button.ts'), 'unsaved\n');
    const removed = h.repo.parallel(['remove', 'ui', '--force']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(h.repo.git(['for-each-ref', '--format=%(refname)', 'refs/parallel/saved/ui/']).stdout).toMatch(/refs\/parallel\/saved\/ui\//);
  });
});
