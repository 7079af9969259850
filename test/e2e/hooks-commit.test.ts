/**
 * Ownership enforcement at commit time: every test is a real `git commit` in a real linked
 * worktree made by `parallel start`, with the hooks `parallel init` installed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { clean, commit, head, hookRepo, stage, staged, removeRepo, type HookRepo, refused, useCommitMode, COMMIT_MODES, NO_EDITOR, commitMode } from './hooks-fixture.js';
import { REFUSED_COMMIT } from '../helpers/repo.js';

let h: HookRepo;
let auth: string;
let ui: string;
let glob: string;

/** A repository of its own for each describe block (each commit mode commits the same files). */
function freshRepo(): void {
  h = hookRepo(['auth', 'ui', 'glob', 'deep']);
  auth = h.wt('auth');
  ui = h.wt('ui');
  glob = h.wt('glob');
}
afterEach(() => {
  for (const wt of [auth, ui, glob]) if (existsSync(wt)) clean(h.repo, wt);
});

const FOREIGN = 'parallel: auth may not change src/ui/button.ts (owned by ui). Unstage it (git restore --staged src/ui/button.ts), or ask the coordinator to move it to auth in .parallel.yml.';

describe.each(COMMIT_MODES)('pre-commit in a phase worktree ($name)', (m) => {
  beforeAll(() => {
    useCommitMode(m);
    freshRepo();
  });
  afterAll(async () => {
    useCommitMode(NO_EDITOR);
    await removeRepo(h.repo);
  });
  it('allows a commit inside the phase\'s own and shared paths', () => {
    const before = head(h.repo, auth);
    stage(h.repo, auth, { 'src/auth/login.ts': 'login\n', 'test/auth/login.test.ts': 't\n', 'package-lock.json': '{}\n', 'src/auth/with space.ts': 's\n' });
    const r = commit(h.repo, auth);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(head(h.repo, auth)).not.toBe(before);
    expect(h.repo.rev('parallel/auth')).toBe(head(h.repo, auth));
  });

  it('refuses a foreign path with the path, its owner and the fix, and leaves it staged', () => {
    const before = head(h.repo, auth);
    stage(h.repo, auth, { 'src/auth/ok.ts': 'ok\n', 'src/ui/button.ts': 'changed\n' });
    const r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain(FOREIGN);
    expect(r.stderr).not.toContain('src/auth/ok.ts');
    expect(head(h.repo, auth)).toBe(before);
    expect(staged(h.repo, auth).sort()).toEqual(['src/auth/ok.ts', 'src/ui/button.ts']);
  });

  it('names "nobody" for an unowned path and the coordinator for the plan', () => {
    stage(h.repo, auth, { 'README.md': 'changed\n' });
    expect(commit(h.repo, auth).stderr).toContain('parallel: auth may not change README.md (owned by nobody).');
    clean(h.repo, auth);
    stage(h.repo, auth, { '.parallel.yml': 'version: 1\n' });
    const r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('parallel: auth may not change .parallel.yml (owned by the coordinator).');
  });

  it('refuses excluded paths inside an owned folder', () => {
    stage(h.repo, auth, { 'src/auth/generated/g.ts': 'regenerated\n' });
    const r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('src/auth/generated/g.ts (owned by nobody)');
  });

  it('judges both sides of git mv across the boundary, in both directions', () => {
    h.repo.git(['mv', 'src/ui/button.ts', 'src/auth/button.ts'], { cwd: auth });
    let r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('auth may not change src/ui/button.ts (owned by ui)');
    clean(h.repo, auth);
    h.repo.git(['mv', 'src/auth/a.ts', 'src/ui/a.ts'], { cwd: auth });
    r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('auth may not change src/ui/a.ts (owned by ui)');
    expect(r.stderr).not.toContain('change src/auth/a.ts');
  });

  it('refuses deleting a foreign file', () => {
    h.repo.git(['rm', '-q', 'src/ui/button.ts'], { cwd: auth });
    const r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain(FOREIGN);
  });

  it('checks what commit -a stages (GIT_INDEX_FILE=index.lock)', () => {
    h.repo.write('src/ui/button.ts', 'edited in place\n', auth);
    const before = head(h.repo, auth);
    const r = commit(h.repo, auth, ['-a']);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain(FOREIGN);
    expect(head(h.repo, auth)).toBe(before);
  });

  it('checks what git commit -- <path> commits, not the rest of the index', () => {
    stage(h.repo, auth, { 'src/ui/button.ts': 'staged foreign\n', 'src/auth/a.ts': 'mine\n' });
    const ok = commit(h.repo, auth, ['--', 'src/auth/a.ts']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(staged(h.repo, auth)).toEqual(['src/ui/button.ts']);
    const r = commit(h.repo, auth, ['--', 'src/ui/button.ts']);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain(FOREIGN);
  });

  it('refuses commit --amend that adds a foreign file', () => {
    stage(h.repo, auth, { 'src/auth/amend.ts': '1\n' });
    expect(commit(h.repo, auth).code).toBe(0);
    const before = head(h.repo, auth);
    stage(h.repo, auth, { 'src/ui/amended.ts': 'x\n' });
    const r = commit(h.repo, auth, ['--amend']);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('auth may not change src/ui/amended.ts (owned by ui)');
    expect(head(h.repo, auth)).toBe(before);
  });

  it('judges the root commit (an orphan branch) against the empty tree', () => {
    h.repo.git(['checkout', '-q', '--orphan', 'scratch-root'], { cwd: ui });
    h.repo.git(['rm', '-rq', '--cached', '.'], { cwd: ui });
    stage(h.repo, ui, { 'src/ui/first.ts': 'first\n' });
    const ok = commit(h.repo, ui);
    expect(ok.code, ok.stderr).toBe(0);
    h.repo.git(['checkout', '-q', '--orphan', 'scratch-root-2'], { cwd: ui });
    h.repo.git(['rm', '-rq', '--cached', '.'], { cwd: ui });
    stage(h.repo, ui, { 'src/ui/first.ts': 'first\n', 'src/auth/a.ts': 'x\n' });
    const r = commit(h.repo, ui);
    // An orphan branch is not the phase's branch, but a commit made in the phase's worktree: judged
    // as the phase's: in pre-commit where the repository's own is chained, else as it creates the branch.
    expect(r.code).toBe(commitMode().chained ? 1 : REFUSED_COMMIT);
    expect(r.stderr).toContain('ui may not change src/auth/a.ts (owned by auth)');
    h.repo.git(['checkout', '-q', '-f', 'parallel/ui'], { cwd: ui });
  });

  it('handles paths with a space, a newline, a quote and é in NFC and NFD', () => {
    const odd = ['src/auth/a b.ts', 'src/auth/new\nline.ts', 'src/auth/quo"te.ts', 'src/auth/\u00e9.ts', 'src/auth/e\u0301x.ts', 'src/caf\u00e9/nfc.ts', 'src/cafe\u0301/nfd.ts'];
    stage(h.repo, auth, Object.fromEntries(odd.map((p) => [p, 'x\n'])));
    const ok = commit(h.repo, auth);
    expect(ok.code, ok.stderr).toBe(0);
    for (const foreign of ['src/ui/new\nline.ts', 'src/ui/caf\u00e9.ts', 'src/ui/cafe\u0301.ts', 'src/ui/sp ace.ts']) {
      stage(h.repo, auth, { [foreign]: 'x\n' });
      const r = commit(h.repo, auth);
      expect(r.code, foreign).toBe(refused());
      const shown = /[\s"]/.test(foreign) ? JSON.stringify(foreign.normalize('NFC')) : foreign.normalize('NFC');
      expect(r.stderr).toContain(`auth may not change ${shown} (owned by ui)`);
      clean(h.repo, auth);
    }
  });

  it('refuses symlinks that lead out of the phase\'s area, allows ones inside it', () => {
    symlinkSync('a.ts', join(auth, 'src/auth/inside'));
    h.repo.git(['add', 'src/auth/inside'], { cwd: auth });
    expect(commit(h.repo, auth).code).toBe(0);
    symlinkSync('../ui/button.ts', join(auth, 'src/auth/to-ui'));
    h.repo.git(['add', 'src/auth/to-ui'], { cwd: auth });
    let r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('auth may not add the symlink src/auth/to-ui -> ../ui/button.ts, which leads to src/ui/button.ts (owned by ui)');
    clean(h.repo, auth);
    symlinkSync('/etc/passwd', join(auth, 'src/auth/passwd'));
    h.repo.git(['add', 'src/auth/passwd'], { cwd: auth });
    r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('src/auth/passwd -> /etc/passwd, which leads outside the repository');
  });

  it('refuses a submodule pointer outside the phase\'s area, allows one inside', () => {
    const oid = head(h.repo, auth);
    h.repo.git(['update-index', '--add', '--cacheinfo', `160000,${oid},src/auth/vendored`], { cwd: auth });
    const ok = commit(h.repo, auth);
    expect(ok.code, ok.stderr).toBe(0);
    h.repo.git(['update-index', '--add', '--cacheinfo', `160000,${oid},src/ui/vendored`], { cwd: auth });
    const r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('auth may not change the submodule src/ui/vendored (owned by ui)');
  });

  it('reads the plan from base: a plan widened on the phase branch changes nothing', () => {
    const widened = h.repo.git(['show', 'main:.parallel.yml']).stdout.replace('owns: [src/auth/, test/auth/, "src/café/"]', 'owns: [src/auth/, test/auth/, "src/café/", src/ui/]');
    h.repo.write('.parallel.yml', widened, auth);
    h.repo.git(['add', '.parallel.yml'], { cwd: auth });
    expect(commit(h.repo, auth).code).toBe(refused());
    // Forced past every hook, the widened plan is on the branch; it still grants nothing.
    expect(h.repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'widen'], { cwd: auth }).code).toBe(0);
    stage(h.repo, auth, { 'src/ui/button.ts': 'now mine?\n' });
    const r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain(FOREIGN);
    h.repo.git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: auth });
  });

  it('uses git pathspecs for glob rules and ignores GIT_*_PATHSPECS from the environment', () => {
    stage(h.repo, glob, { 'lib/new.ts': 'n\n', 'lib/deep/z.test.ts': 't\n' });
    const ok = commit(h.repo, glob);
    expect(ok.code, ok.stderr).toBe(0);
    const cases: [string, NodeJS.ProcessEnv][] = [
      ['lib/deep/y.ts', {}], ['lib/secret-key.ts', {}], ['lib/X.TS', {}], ['src/ui/button.ts', {}],
      ['lib/deep/y.ts', { GIT_LITERAL_PATHSPECS: '1' }], ['lib/X.TS', { GIT_ICASE_PATHSPECS: '1' }], ['lib/secret-key.ts', { GIT_NOGLOB_PATHSPECS: '1' }],
    ];
    for (const [bad, env] of cases) {
      stage(h.repo, glob, { [bad]: 'x\n' });
      const r = commit(h.repo, glob, [], env);
      expect(r.code, `${bad} ${JSON.stringify(env)}`).toBe(refused());
      expect(r.stderr).toContain(`glob may not change ${bad}`);
      clean(h.repo, glob);
    }
  });

  it('PARALLEL=0 skips the check and says so on stderr', () => {
    stage(h.repo, ui, { 'src/auth/a.ts': 'skipped\n' });
    const r = commit(h.repo, ui, [], { PARALLEL: '0' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('parallel: PARALLEL=0, so parallel\'s ownership check of phase ui is skipped');
    // Once per commit, and not for a move of HEAD that makes none.
    expect(r.stderr.match(/PARALLEL=0, so/g)).toHaveLength(1);
    const back = h.repo.git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: ui, env: { PARALLEL: '0' } });
    expect(back.stderr).not.toContain('PARALLEL=0');
  });

  it('decides the common case in the shell, without starting Node', () => {
    const debug = { PARALLEL_DEBUG: '1' };
    stage(h.repo, auth, { 'src/auth/warm.ts': '1\n' });
    expect(commit(h.repo, auth).code).toBe(0);
    stage(h.repo, auth, { 'src/auth/warm.ts': '2\n', 'package-lock.json': '{ "n": 2 }\n' });
    const r = commit(h.repo, auth, [], debug);
    expect(r.code).toBe(0);
    const judge = commitMode().judge;
    expect(r.stderr).toContain(`[${judge}] allowed by the shell fast path (case rules)`);
    // One judgement per commit: pre-commit's (its token then lets the branch move), or the branch
    // update's. Where the repository has a pre-commit, ours hands a commit with no editor on;
    // where it has none, parallel installs no pre-commit at all.
    if (judge === 'pre-commit') expect(r.stderr).toContain('[reference-transaction] refs/heads/parallel/auth: this commit passed pre-commit');
    else if (commitMode().chained) expect(r.stderr).toContain('[pre-commit] no editor opens: the check is made when the commit moves the branch');
    else expect(r.stderr).not.toContain('[pre-commit]');
    expect(r.stderr.match(/allowed by the shell fast path/g)).toHaveLength(1);
    expect(r.stderr).not.toContain('asking Node');
    expect(r.stderr).not.toContain('stale');
    // Globs whose wildcards stay inside segments are decided by case too.
    stage(h.repo, glob, { 'lib/fast.ts': '1\n' });
    const g = commit(h.repo, glob, [], debug);
    expect(g.code).toBe(0);
    expect(g.stderr).toContain(`[${judge}] allowed by the shell fast path (case rules)`);
    expect(g.stderr).not.toContain('asking Node');
    // ...and the same wildcard one folder deeper is not owned: Node explains the refusal.
    stage(h.repo, glob, { 'lib/deeper/slow.ts': '1\n' });
    const g2 = commit(h.repo, glob, [], debug);
    expect(g2.code).not.toBe(0);
    expect(g2.stderr).toContain('glob may not change lib/deeper/slow.ts');
    h.repo.git(['reset', '-q', '--', 'lib/deeper/slow.ts'], { cwd: glob });
    // Two ** in one pattern: git's pathspecs decide.
    const deep = h.wt('deep');
    stage(h.repo, deep, { 'deep/a/b/x/f.ts': '1\n' });
    const d = commit(h.repo, deep, [], debug);
    expect(d.code).toBe(0);
    expect(d.stderr).toContain(`[${judge}] allowed by the shell fast path (git pathspecs)`);
    expect(d.stderr).not.toContain('asking Node');
  });

  it('does not check the main worktree', () => {
    h.repo.write('src/ui/button.ts', 'coordinator edit\n');
    h.repo.write('src/auth/a.ts', 'coordinator edit\n');
    const r = h.repo.git(['commit', '-qam', 'coordinator'], { allowFail: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('reference-transaction: the second line', () => {
  beforeAll(freshRepo);
  afterAll(() => removeRepo(h.repo));
  it('refuses git commit --no-verify of a foreign path and leaves the branch alone', () => {
    const before = head(h.repo, auth);
    stage(h.repo, auth, { 'src/ui/button.ts': 'sneaky\n' });
    const r = commit(h.repo, auth, ['--no-verify']);
    expect(r.code).not.toBe(0);
    // The commit being made in the phase's worktree: told as pre-commit would.
    expect(r.stderr).toContain('parallel: auth may not change src/ui/button.ts (owned by ui). Unstage it (git restore --staged src/ui/button.ts)');
    expect(h.repo.rev('parallel/auth')).toBe(before);
    expect(staged(h.repo, auth)).toEqual(['src/ui/button.ts']);
  });

  it('refuses a cherry-pick of a foreign commit and allows an own one', () => {
    stage(h.repo, ui, { 'src/ui/picked.ts': 'p\n' });
    expect(commit(h.repo, ui).code).toBe(0);
    const foreign = head(h.repo, ui);
    const before = head(h.repo, auth);
    const r = h.repo.git(['cherry-pick', foreign], { cwd: auth, allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('auth may not change src/ui/picked.ts (owned by ui)');
    expect(h.repo.rev('parallel/auth')).toBe(before);
    h.repo.git(['cherry-pick', '--abort'], { cwd: auth, allowFail: true });
    // An own commit picked from elsewhere: a one-commit fast-forward, decided in the shell.
    h.repo.git(['switch', '-q', '-c', 'side'], { cwd: auth });
    stage(h.repo, auth, { 'src/auth/picked.ts': 'p\n' });
    expect(commit(h.repo, auth).code).toBe(0);
    const own = head(h.repo, auth);
    h.repo.git(['switch', '-q', 'parallel/auth'], { cwd: auth });
    const ok = h.repo.git(['cherry-pick', own], { cwd: auth, allowFail: true, env: { PARALLEL_DEBUG: '1' } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('[reference-transaction] allowed by the shell fast path (case rules)');
    expect(ok.stderr).not.toContain('asking Node');
  });

  it('lets other refs through (notes, tags, other branches)', () => {
    expect(h.repo.git(['tag', 'some-tag'], { cwd: auth }).code).toBe(0);
    expect(h.repo.git(['notes', '--ref=other', 'add', '-m', 'n'], { cwd: auth }).code).toBe(0);
    expect(h.repo.git(['branch', 'feature-x', 'main'], { cwd: auth }).code).toBe(0);
  });
});

describe.each(COMMIT_MODES)('a phase removed from the plan on base ($name)', (m) => {
  beforeAll(() => useCommitMode(m));
  afterAll(() => useCommitMode(NO_EDITOR));
  it('may change only shared paths: every commit of an owned path is refused, not only the first', async () => {
    const d = hookRepo(['ui']);
    try {
      const dropped = d.repo.git(['show', 'main:.parallel.yml']).stdout.replace(/  - id: ui\n[\s\S]*$/, '');
      d.repo.commit({ '.parallel.yml': dropped }, 'drop ui and its review');
      const ui = d.wt('ui');
      const before = head(d.repo, ui);
      for (const attempt of [1, 2]) {
        stage(d.repo, ui, { 'src/ui/new.ts': `new ${attempt}\n` });
        const r = commit(d.repo, ui);
        // Refused in pre-commit (exit 1) or, once the cached state is there, as the branch moves (128).
        expect(r.code, `attempt ${attempt}: ${r.stderr}`).not.toBe(0);
        expect(r.stderr).toContain('parallel: phase ui is not in the plan committed on main, so it may change only shared paths.');
        expect(head(d.repo, ui)).toBe(before);
      }
      // Shared paths stay allowed, and are decided in the shell once the rules are compiled.
      clean(d.repo, ui);
      stage(d.repo, ui, { 'package-lock.json': '{}\n' });
      const ok = commit(d.repo, ui, [], { PARALLEL_DEBUG: '1' });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).toContain('allowed by the shell fast path');
      expect(ok.stderr).not.toContain('asking Node');
    } finally {
      await removeRepo(d.repo);
    }
  });
});
