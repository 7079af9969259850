/**
 * `parallel verify`: each phase's own commits judged against the plan on base, whatever the
 * hooks did (hooks off with -c core.hooksPath=/dev/null, PARALLEL=0, merges made without hooks).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { authAndUi, commit, head, removeRepo, stage, type HookRepo } from './hooks-fixture.js';
import { recordTrustedByHand } from './trusted-fixture.js';

const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];

let h: HookRepo;
let auth: string;
let ui: string;

beforeAll(() => ({ h, auth, ui } = authAndUi()));
afterAll(() => removeRepo(h.repo));

interface VerifyJson { schema: number; ok: boolean; violations: { phase: string; commit: string; path: string; owner: string; kind: string }[] }

describe('parallel verify', () => {
  it('passes clean phases (exit 0, ok in JSON)', () => {
    stage(h.repo, auth, { 'src/auth/fine.ts': 'f\n' });
    expect(commit(h.repo, auth).code).toBe(0);
    const r = h.repo.json<VerifyJson>(['verify']);
    expect(r.code).toBe(0);
    expect(r.data).toEqual({ schema: 1, ok: true, violations: [] });
    const text = h.repo.parallel(['verify']);
    expect(text.stdout).toContain('auth: ok (1 commit checked)');
  });

  it('reports a commit made with hooks off, naming commit, path and owner (exit 1)', () => {
    stage(h.repo, auth, { 'src/ui/button.ts': 'forced\n', 'src/auth/ok.ts': 'ok\n' });
    const forced = h.repo.git([...NO_HOOKS, 'commit', '-q', '-m', 'forced'], { cwd: auth });
    expect(forced.code).toBe(0);
    const oid = head(h.repo, auth);
    const r = h.repo.json<VerifyJson>(['verify']);
    expect(r.code).toBe(1);
    expect(r.data.ok).toBe(false);
    expect(r.data.violations).toEqual([{ phase: 'auth', commit: oid, path: 'src/ui/button.ts', owner: 'ui', kind: 'foreign' }]);
    const text = h.repo.parallel(['verify', 'auth']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`${oid.slice(0, 12)}  src/ui/button.ts (owned by ui)`);
    expect(text.stdout).toContain('parallel: ownership violations in auth.');
    // ui is clean and can be verified alone.
    expect(h.repo.parallel(['verify', 'ui']).code).toBe(0);
  });

  it('reports what PARALLEL=0 let through, and a symlink out of the area', () => {
    stage(h.repo, ui, { 'README.md': 'skipped\n' });
    expect(commit(h.repo, ui, [], { PARALLEL: '0' }).code).toBe(0);
    symlinkSync('/etc/passwd', join(ui, 'src/ui/passwd'));
    h.repo.git(['add', 'src/ui/passwd'], { cwd: ui });
    expect(h.repo.git([...NO_HOOKS, 'commit', '-q', '-m', 'link'], { cwd: ui }).code).toBe(0);
    const r = h.repo.json<VerifyJson>(['verify', 'ui']);
    expect(r.code).toBe(1);
    expect(r.data.violations.map((v) => [v.path, v.owner, v.kind])).toEqual([
      ['README.md', 'nobody', 'foreign'],
      ['src/ui/passwd', 'outside the repository', 'symlink'],
    ]);
  });

  it('judges merge commits by what they change beyond the automatic merge', () => {
    const before = head(h.repo, ui);
    h.repo.commit({ 'src/auth/a.ts': 'base changes auth\n' }, 'base moves');
    // A merge of base made with hooks off: clean, so nothing beyond the automatic merge.
    expect(h.repo.git([...NO_HOOKS, 'merge', '-q', '--no-edit', 'main'], { cwd: ui }).code).toBe(0);
    let r = h.repo.json<VerifyJson>(['verify', 'ui']);
    expect(r.data.violations.map((v) => v.path)).toEqual(['README.md', 'src/ui/passwd']);
    // A merge whose "resolution" also edits a foreign file is blamed for that file.
    h.repo.commit({ 'package-lock.json': '{ "base": 2 }\n' }, 'base moves again');
    h.repo.git([...NO_HOOKS, 'merge', '-q', '--no-commit', 'main'], { cwd: ui });
    h.repo.write('src/auth/a.ts', 'edited during the merge\n', ui);
    h.repo.git(['add', 'src/auth/a.ts'], { cwd: ui });
    h.repo.git([...NO_HOOKS, 'commit', '-q', '--no-edit'], { cwd: ui });
    const merge = head(h.repo, ui);
    r = h.repo.json<VerifyJson>(['verify', 'ui']);
    expect(r.data.violations.at(-1)).toEqual({ phase: 'ui', commit: merge, path: 'src/auth/a.ts', owner: 'auth', kind: 'foreign' });
    h.repo.git(['reset', '-q', '--hard', before], { cwd: ui });
  });

  it('a hand-moved integration branch hides nothing: own commits end at the trusted tip', () => {
    // Someone points the integration branch at ui's work by hand: integrate never recorded it.
    h.repo.git(['branch', 'parallel/integration', 'parallel/ui']);
    h.repo.git(['worktree', 'add', '-q', '-b', 'parallel/glob', join(h.repo.root, 'glob-wt'), 'parallel/integration']);
    const uiOwn = h.repo.json<VerifyJson>(['verify', 'ui']);
    expect(uiOwn.code).toBe(1);
    expect(uiOwn.data.violations.map((v) => v.path)).toEqual(['README.md', 'src/ui/passwd']);
    const globOwn = h.repo.json<VerifyJson>(['verify', 'glob']);
    expect(globOwn.code).toBe(1);
    expect(globOwn.data.violations.every((v) => v.phase === 'glob')).toBe(true);
  });

  it('does not blame a phase for work it started from on the trusted integration branch', () => {
    // The same commit, recorded as integrate records the commits it moves the branch to.
    recordTrustedByHand(h.repo, h.repo.rev('parallel/integration'));
    const r = h.repo.json<VerifyJson>(['verify', 'glob']);
    expect(r.code).toBe(0);
    expect(r.data.violations).toEqual([]);
    // ui's own violations are integrated now, so they are no longer its own commits either.
    expect(h.repo.json<VerifyJson>(['verify', 'ui']).data.violations).toEqual([]);
  });

  it('refuses an unknown phase with exit 2', () => {
    const r = h.repo.parallel(['verify', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"nope" is not a phase of the plan on main');
  });
});
