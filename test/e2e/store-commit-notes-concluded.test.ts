/**
 * Commits no pre-commit of ours vouched for, noted by the committed reference-transaction's note
 * writer from HEAD's reflog (`--if-commit`): a conflicted cherry-pick concluded by git commit.
 * (core.logAllRefUpdates=false: store-commit-notes.test.ts.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo, SPEC_PLAN } from './store-fixture.js';
import { backgroundWriters, waitUntil } from '../helpers/repo.js';

describe('every commit in a phase worktree gets its note', () => {
  let repo: TestRepo;
  let wt: string;
  const headOf = () => repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
  const hasNote = (c: string) => repo.git(['notes', '--ref=parallel', 'show', c], { allowFail: true }).code === 0;
  const settle = () => waitUntil(() => backgroundWriters(repo.root).length === 0, 'the note writers to finish');

  beforeAll(() => {
    repo = new TestRepo('portal');
    repo.commit({ '.parallel.yml': SPEC_PLAN }, 'plan');
    expect(repo.parallel(['init']).code).toBe(0);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    wt = join(repo.root, 'portal-schema');
  });
  afterAll(() => repo.cleanup());

  // A conflicted cherry-pick concluded by `git commit --no-verify`: reflog "commit (cherry-pick): ...".
  it('a cherry-pick concluded by git commit --no-verify gets its note', async () => {
    repo.commit({ 'src/db/c.sql': 'one\n' }, 'c one', wt);
    const base = headOf();
    repo.git(['switch', '-q', '-c', 'side'], { cwd: wt });
    repo.commit({ 'src/db/c.sql': 'side\n' }, 'c side', wt);
    const side = headOf();
    repo.git(['switch', '-q', 'parallel/schema'], { cwd: wt });
    repo.commit({ 'src/db/c.sql': 'two\n' }, 'c two', wt);
    expect(repo.git(['cherry-pick', side], { cwd: wt, allowFail: true }).code).not.toBe(0);
    repo.write('src/db/c.sql', 'resolved\n', wt);
    repo.git(['add', '--', 'src/db/c.sql'], { cwd: wt });
    repo.git(['commit', '-q', '--no-verify', '--no-edit'], { cwd: wt });
    const c = headOf();
    expect(c).not.toBe(base);
    await settle();
    expect(hasNote(c), 'note of the concluded cherry-pick').toBe(true);
    repo.git(['branch', '-D', 'side'], { cwd: wt });
  });
});
