/** `parallel init`: base, starter plan, notes config, info/exclude; idempotent; refusals with fixes. */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo, SPEC_PLAN } from '../helpers/repo.js';

const repos: TestRepo[] = [];
function newRepo(name = 'shop-app'): TestRepo {
  const r = new TestRepo(name);
  repos.push(r);
  return r;
}
afterEach(() => { for (const r of repos.splice(0)) r.cleanup(); });

describe('parallel init', () => {
  it('sets a fresh repository up, writes a starter plan that passes check, and changes nothing the second time', () => {
    const repo = newRepo();
    repo.commit({ 'src/api/server.ts': '', 'src/web/app.ts': '', 'src/web/deep/x.ts': '', 'package.json': '{}', 'README.md': '' }, 'init');
    const first = repo.parallel(['init']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Recorded base: main/);
    expect(first.stdout).toMatch(/Wrote \.parallel\.yml: a starting point with 2 phases guessed from your folders \(src\/api\/, src\/web\/\)/);
    const plan = readFileSync(join(repo.dir, '.parallel.yml'), 'utf8');
    expect(plan).toMatch(/^# A STARTING POINT written by "parallel init"/m);
    expect(plan).toContain('name: shop-app');
    expect(plan).toContain('shared: [package.json]');
    expect(repo.git(['config', '--get', 'parallel.base']).stdout.trim()).toBe('main');
    const check = repo.json<{ ok: boolean; waves: string[][]; notes: string[] }>(['check']);
    expect(check.code).toBe(0);
    expect(check.data.waves).toEqual([['api', 'web']]);
    expect(check.data.notes).toEqual([expect.stringMatching(/is not committed yet/)]);

    // .parallel/ is ignored through info/exclude, with no work-tree file.
    repo.write('.parallel/BRIEF.md', 'x');
    expect(repo.git(['status', '--porcelain']).stdout).toBe('?? .parallel.yml\n');
    expect(existsSync(join(repo.dir, '.gitignore'))).toBe(false);

    // git log shows the coordination notes.
    repo.git(['notes', '--ref', 'parallel', 'add', '-m', 'phase: api', 'HEAD']);
    expect(repo.git(['log', '-1']).stdout).toMatch(/Notes \(parallel\):\n    phase: api/);

    const second = repo.parallel(['init']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already set up here .*nothing to change/);
    for (const key of ['notes.displayRef', 'notes.rewriteRef']) {
      expect(repo.git(['config', '--get-all', key]).stdout).toBe('refs/notes/parallel\n');
    }
    const exclude = readFileSync(join(repo.dir, '.git/info/exclude'), 'utf8');
    expect(exclude.match(/^\/\.parallel\/$/gm)).toHaveLength(1);
    expect(readFileSync(join(repo.dir, '.parallel.yml'), 'utf8')).toBe(plan);
  });

  it('never overwrites an existing plan and takes its base', () => {
    const repo = newRepo();
    repo.commit({ 'README.md': '' }, 'init');
    repo.git(['branch', 'develop']);
    const mine = SPEC_PLAN.replace('base: main', 'base: develop');
    repo.write('.parallel.yml', mine);
    const r = repo.parallel(['init']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Recorded base: develop/);
    expect(r.stdout).not.toMatch(/Wrote/);
    expect(readFileSync(join(repo.dir, '.parallel.yml'), 'utf8')).toBe(mine);
    const clash = repo.parallel(['init', '--base', 'main']);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/says "base: develop" but the base would be "main"\. Change the plan's "base:" to main, or run "parallel init --base develop"/);
  });

  it('sets up a repository without commits (committing the plan is the first commit); refuses a detached HEAD, an unknown --base, and a linked worktree, each with the fix', () => {
    const repo = newRepo();
    let r = repo.parallel(['init']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Recorded base: main[\s\S]*commit it on main \(the first commit\)/);
    rmSync(join(repo.dir, '.parallel.yml'));
    repo.git(['config', '--unset', 'parallel.base']);

    repo.commit({ 'README.md': '' }, 'init');
    r = repo.parallel(['init', '--base', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no branch "nope" to use as the base\. Create it/);

    repo.git(['checkout', '-q', '--detach']);
    r = repo.parallel(['init']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/detached HEAD.*"git switch main".*"parallel init --base main"/);
    repo.git(['checkout', '-q', 'main']);

    repo.git(['worktree', 'add', '-q', '-b', 'side', join(repo.root, 'side')]);
    r = repo.parallel(['init'], { cwd: join(repo.root, 'side') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/init runs in the main worktree.*Run it from /);
    expect(repo.git(['config', '--get', 'parallel.base'], { allowFail: true }).stdout).toBe('');
  });
});
