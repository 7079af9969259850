/**
 * `parallel check` reuses its unowned-files verdict while the index and the ownership rules stay
 * the same (no `git ls-files`), and judges again after anything that could change it: a file
 * staged or removed, a commit, another branch checked out, edited `owns`/`exclude`/`shared`, a
 * damaged cache, another worktree.
 */
import { readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/repo.js';

interface CheckJson { unowned: { count: number; examples: string[] } }

const PLAN = 'version: 1\nname: demo\nshared: [docs/**]\nphases:\n  - id: app\n    owns: [src/]\n    exclude: [src/gen/**]\n  - id: lib\n    owns: [lib/]\n';

let repo: TestRepo;
let trace: string;
beforeAll(() => {
  repo = new TestRepo();
  repo.commit({ '.parallel.yml': PLAN, 'src/a.ts': 'a\n', 'src/gen/t.ts': 't\n', 'lib/b.ts': 'b\n', 'docs/x.md': 'x\n', 'README.md': 'r\n' }, 'init');
  trace = join(repo.root, 'git-trace');
});
afterAll(() => repo.cleanup());

/** check's verdict, and whether it listed the tracked files to reach it. */
function check(cwd = repo.dir): { unowned: CheckJson['unowned']; listed: boolean } {
  rmSync(trace, { force: true });
  const r = repo.json<CheckJson>(['check'], { cwd, env: { GIT_TRACE: trace } });
  expect([0, 1]).toContain(r.code);
  let text = '';
  try {
    text = readFileSync(trace, 'utf8');
  } catch {
    // no git process traced at all
  }
  return { unowned: r.data.unowned, listed: /built-in: git ls-files/.test(text) };
}

describe('check reuses its unowned verdict only while nothing it depends on changed', () => {
  it('reuses the verdict on an unchanged index and rules, and after an edit of the plan that keeps the rules', () => {
    expect(check()).toEqual({ unowned: { count: 2, examples: ['README.md', 'src/gen/t.ts'] }, listed: true });
    expect(check()).toEqual({ unowned: { count: 2, examples: ['README.md', 'src/gen/t.ts'] }, listed: false });
    // A new task text or a comment does not change who owns what.
    repo.write('.parallel.yml', PLAN.replace('name: demo', 'name: demo2') + '# note\n');
    expect(check()).toEqual({ unowned: { count: 2, examples: ['README.md', 'src/gen/t.ts'] }, listed: false });
    repo.write('.parallel.yml', PLAN);
  });

  it('judges again when a file is staged, unstaged or committed', () => {
    expect(check().listed).toBe(false);
    repo.write('Makefile', 'all:\n');
    // An untracked file is not listed: same index, same verdict.
    expect(check()).toMatchObject({ unowned: { count: 2 }, listed: false });
    repo.git(['add', 'Makefile']);
    expect(check()).toEqual({ unowned: { count: 3, examples: ['Makefile', 'README.md', 'src/gen/t.ts'] }, listed: true });
    repo.git(['rm', '-q', '--cached', 'README.md']);
    expect(check()).toEqual({ unowned: { count: 2, examples: ['Makefile', 'src/gen/t.ts'] }, listed: true });
    repo.git(['add', 'README.md']);
    repo.git(['commit', '-q', '-m', 'makefile']);
    expect(check().unowned.count).toBe(3);
    expect(check().listed).toBe(false);
  });

  it('judges again on another branch checked out (a different index)', () => {
    repo.git(['checkout', '-q', '-b', 'other', 'HEAD~1']);
    try {
      expect(check()).toEqual({ unowned: { count: 2, examples: ['README.md', 'src/gen/t.ts'] }, listed: true });
    } finally {
      repo.git(['checkout', '-q', 'main']);
    }
    expect(check()).toMatchObject({ unowned: { count: 3 }, listed: true });
  });

  it('judges again when owns, exclude or shared change', () => {
    expect(check().listed).toBe(false);
    repo.write('.parallel.yml', PLAN.replace('exclude: [src/gen/**]', 'exclude: []'));
    expect(check()).toEqual({ unowned: { count: 2, examples: ['Makefile', 'README.md'] }, listed: true });
    repo.write('.parallel.yml', PLAN.replace('shared: [docs/**]', 'shared: [docs/**, Makefile]'));
    expect(check()).toEqual({ unowned: { count: 2, examples: ['README.md', 'src/gen/t.ts'] }, listed: true });
    repo.write('.parallel.yml', PLAN.replace('owns: [lib/]', 'owns: [lib/, README.md]'));
    expect(check()).toEqual({ unowned: { count: 2, examples: ['Makefile', 'src/gen/t.ts'] }, listed: true });
    repo.write('.parallel.yml', PLAN);
    expect(check()).toMatchObject({ unowned: { count: 3 }, listed: true });
  });

  it('judges again when the cache is damaged, and keeps one verdict per worktree', () => {
    const dir = join(repo.dir, '.git', 'parallel', 'cache');
    const file = join(dir, 'unowned.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { unowned: { count: number } };
    writeFileSync(file, JSON.stringify({ ...saved, unowned: { count: 'x' } }));
    expect(check()).toMatchObject({ unowned: { count: 3 }, listed: true });
    writeFileSync(file, '{');
    expect(check()).toMatchObject({ unowned: { count: 3 }, listed: true });
    expect(check().listed).toBe(false);

    const wt = join(repo.root, 'wt');
    repo.git(['worktree', 'add', '-q', '-b', 'wt', wt, 'HEAD~1']);
    try {
      expect(check(wt)).toMatchObject({ unowned: { count: 2 }, listed: true });
      expect(check(wt).listed).toBe(false);
      expect(readdirSync(dir).filter((f) => f.startsWith('unowned')).sort()).toEqual(['unowned-wt.json', 'unowned.json']);
      // The main worktree's verdict is still its own.
      expect(check()).toMatchObject({ unowned: { count: 3 }, listed: false });
    } finally {
      repo.git(['worktree', 'remove', '--force', wt]);
    }
  });
});
