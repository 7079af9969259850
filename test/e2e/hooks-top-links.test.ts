/**
 * A phase's symlink judged by where it finally leads through symlinks the tree already has, when
 * those sit at the repository's top level and have names git could read as pathspec magic (a
 * leading ':'): the lookup must find them by their literal names.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { clean, commit, hookRepo, removeRepo, stage, type HookRepo, refused, useCommitMode, COMMIT_MODES, NO_EDITOR, modeSlug } from './hooks-fixture.js';

const PLAN = `version: 1
name: links
base: main
phases:
  - id: auth
    task: Login
    owns: [src/auth/, ":odd/**"]
  - id: ui
    task: The UI
    owns: [src/ui/]
`;

let h: HookRepo;
let auth: string;

beforeAll(() => {
  h = hookRepo([], PLAN, { 'src/auth/a.ts': 'a\n', 'src/ui/button.ts': 'b\n' });
  // Top-level links on base: `:a` and `top` lead into auth's folder, `:odd` into ui's.
  for (const [name, target] of [[':a', 'src/auth'], ['top', 'src/auth'], [':odd', 'src/ui']]) symlinkSync(target, join(h.repo.dir, name));
  h.repo.git(['add', '--', ':(literal):a', 'top', ':(literal):odd']);
  h.repo.git(['commit', '-qm', 'top-level links']);
  const r = h.repo.parallel(['start', 'auth']);
  expect(r.code, r.stderr).toBe(0);
  auth = h.wt('auth');
});
afterAll(() => removeRepo(h.repo));
afterEach(() => clean(h.repo, auth));

describe.each(COMMIT_MODES)('symlinks through top-level links ($name)', (m) => {
  beforeAll(() => useCommitMode(m));
  afterAll(() => useCommitMode(NO_EDITOR));
  it('allows a link that leads through a top-level link back into the phase\'s own folder', () => {
    for (const [name, target] of [['via-top', '../../top/a.ts'], ['via-colon', '../../:a/a.ts']]) {
      symlinkSync(target, join(auth, 'src/auth', `${name}-${modeSlug(m)}`));
      h.repo.git(['add', '--', `src/auth/${name}-${modeSlug(m)}`], { cwd: auth });
      const r = commit(h.repo, auth);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
    }
  });

  it('refuses a link into an owned-looking name whose top-level link leads to another phase', () => {
    symlinkSync('../../:odd/button.ts', join(auth, 'src/auth/sneaky'));
    stage(h.repo, auth, { 'src/auth/ok.ts': 'ok\n' });
    h.repo.git(['add', '--', 'src/auth/sneaky'], { cwd: auth });
    const r = commit(h.repo, auth);
    expect(r.code).toBe(refused());
    expect(r.stderr).toContain('auth may not add the symlink src/auth/sneaky -> ../../:odd/button.ts, which leads to src/ui/button.ts (owned by ui)');
  });

  it('verify finds the same link in a commit the hooks were told to skip', () => {
    symlinkSync('../../:odd/button.ts', join(auth, `src/auth/skipped-${modeSlug(m)}`));
    h.repo.git(['add', '--', `src/auth/skipped-${modeSlug(m)}`], { cwd: auth });
    expect(commit(h.repo, auth, [], { PARALLEL: '0' }).code).toBe(0);
    const v = h.repo.parallel(['verify', 'auth']);
    expect(v.code).not.toBe(0);
    expect(v.stdout + v.stderr).toContain(`src/auth/skipped-${modeSlug(m)}`);
    expect(v.stdout + v.stderr).toContain('src/ui/button.ts');
  });
});
