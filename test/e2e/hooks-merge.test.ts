/**
 * Merges concluded in a phase worktree: judged by the commits they bring in and by what they
 * change beyond git's automatic merge (pre-commit for a resolved conflict, pre-merge-commit for
 * a clean one). Plus reviewer worktrees and worktrees made by hand, repaired by `parallel init`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authAndUi, clean, commit, head, manualPhase, stage, removeRepo, type HookRepo } from './hooks-fixture.js';
import { REFUSED_COMMIT } from '../helpers/repo.js';

let h: HookRepo;
let auth: string;
let ui: string;

beforeAll(() => ({ h, auth, ui } = authAndUi()));
afterAll(() => removeRepo(h.repo));

describe('merges in a phase worktree', () => {
  it('parallel update with a conflict in a shared file, resolved and committed, is allowed', () => {
    stage(h.repo, auth, { 'package-lock.json': '{\n  "v": "auth"\n}\n', 'src/auth/b.ts': 'b\n' });
    expect(commit(h.repo, auth).code).toBe(0);
    // Meanwhile base moves: the coordinator changes the shared file and a ui file.
    h.repo.commit({ 'package-lock.json': '{\n  "v": "base"\n}\n', 'src/ui/button.ts': 'base edit\n' }, 'base moves');
    const up = h.repo.parallel(['update'], { cwd: auth });
    expect(up.code).not.toBe(0);
    h.repo.write('package-lock.json', '{\n  "v": "both"\n}\n', auth);
    h.repo.git(['add', 'package-lock.json'], { cwd: auth });
    const r = commit(h.repo, auth, ['--no-edit']);
    expect(r.code, r.stderr).toBe(0);
    expect(h.repo.git(['rev-list', '--parents', '-1', 'HEAD'], { cwd: auth }).stdout.trim().split(' ')).toHaveLength(3);
    // What the merge picked up from base is not the phase's: verify agrees.
    const v = h.repo.parallel(['verify', 'auth']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('refuses a resolution that also edits a foreign file', () => {
    stage(h.repo, auth, { 'package-lock.json': '{\n  "v": "auth2"\n}\n' });
    expect(commit(h.repo, auth).code).toBe(0);
    h.repo.commit({ 'package-lock.json': '{\n  "v": "base2"\n}\n' }, 'base moves again');
    h.repo.git(['merge', 'main'], { cwd: auth, allowFail: true });
    h.repo.write('package-lock.json', '{\n  "v": "resolved"\n}\n', auth);
    h.repo.write('src/ui/button.ts', 'edited while resolving\n', auth);
    h.repo.git(['add', 'package-lock.json', 'src/ui/button.ts'], { cwd: auth });
    const r = commit(h.repo, auth, ['--no-edit']);
    // Judged as the merge commit moves the branch (parallel installs no pre-commit of its own).
    expect(r.code).toBe(REFUSED_COMMIT);
    expect(r.stderr).toContain('parallel: while merging, auth may not change src/ui/button.ts (owned by ui) beyond git\'s automatic merge.');
    expect(r.stderr).not.toContain('package-lock.json');
    h.repo.git(['merge', '--abort'], { cwd: auth });
  });

  it('refuses a clean merge of another phase\'s unintegrated branch (pre-merge-commit)', () => {
    stage(h.repo, ui, { 'src/ui/new.ts': 'n\n' });
    expect(commit(h.repo, ui).code).toBe(0);
    const uiCommit = head(h.repo, ui);
    const before = head(h.repo, auth);
    const r = h.repo.git(['merge', '--no-edit', 'parallel/ui'], { cwd: auth, allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`parallel: this merge brings commit ${uiCommit.slice(0, 12)} into auth, and it changes src/ui/new.ts (owned by ui)`);
    expect(head(h.repo, auth)).toBe(before);
    h.repo.git(['merge', '--abort'], { cwd: auth, allowFail: true });
    clean(h.repo, auth);
  });

  it('allows a clean merge of base into the phase', () => {
    h.repo.commit({ 'src/ui/other.ts': 'o\n' }, 'base adds a ui file');
    const before = head(h.repo, ui);
    const r = h.repo.git(['merge', '--no-edit', 'main'], { cwd: ui, allowFail: true });
    expect(r.code, r.stderr).toBe(0);
    expect(h.repo.git(['rev-parse', 'HEAD^1'], { cwd: ui }).stdout.trim()).toBe(before);
  });
});

describe('other worktrees', () => {
  it('refuses every commit in a reviewer worktree', () => {
    const wt = manualPhase(h.repo, 'review-ui', { reviewer: true, detach: true });
    stage(h.repo, wt, { 'src/ui/button.ts': 'review edit\n' });
    // While a reviewer's worktree exists, parallel installs its pre-commit, which refuses there.
    const r = commit(h.repo, wt);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('parallel: this is the worktree of reviewer phase review-ui; every commit here is refused.');
    // An amend of the commit under review, and a root commit on an orphan branch, are commits too.
    const amend = commit(h.repo, wt, ['--amend']);
    expect(amend.code).toBe(1);
    expect(amend.stderr).toContain('every commit here is refused');
    h.repo.git(['checkout', '-q', '--orphan', 'review-orphan'], { cwd: wt });
    const orphan = commit(h.repo, wt);
    expect(orphan.code).toBe(1);
    expect(orphan.stderr).toContain('every commit here is refused');
    // Looking around is not a commit: stepping to a later commit, or back.
    h.repo.git(['checkout', '-q', '-f', '--detach', 'main~1'], { cwd: wt });
    expect(h.repo.git(['checkout', '-q', '--detach', 'main'], { cwd: wt, allowFail: true }).code).toBe(0);
    expect(h.repo.git(['checkout', '-q', '--detach', 'main~1'], { cwd: wt, allowFail: true }).code).toBe(0);
  });

  it('parallel init repairs a phase worktree made by hand, which is then checked', () => {
    const wt = manualPhase(h.repo, 'glob');
    stage(h.repo, wt, { 'src/ui/button.ts': 'x\n' });
    const r = commit(h.repo, wt);
    expect(r.code).toBe(REFUSED_COMMIT);
    expect(r.stderr).toContain('glob may not change src/ui/button.ts (owned by ui)');
  });

  it('leaves linked worktrees that are not phases alone', () => {
    h.repo.git(['worktree', 'add', '-q', '-b', 'plain', `${h.repo.root}/plain`, 'main']);
    stage(h.repo, `${h.repo.root}/plain`, { 'src/ui/button.ts': 'anything\n' });
    const r = commit(h.repo, `${h.repo.root}/plain`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
