/** `parallel conflicts`: merge-tree predictions between phase branches and the integration branch. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo, SPEC_PLAN } from '../helpers/repo.js';

let repo: TestRepo;
beforeAll(() => {
  repo = new TestRepo();
  repo.commit({ '.parallel.yml': SPEC_PLAN, 'shared.txt': 'one\ntwo\nthree\n', 'other.txt': 'x\n' }, 'init');
});
afterAll(() => repo.cleanup());

function branch(name: string, files: Record<string, string>, from = 'main'): void {
  repo.git(['checkout', '-q', '-b', name, from]);
  repo.commit(files, name);
  repo.git(['checkout', '-q', 'main']);
}

describe('parallel conflicts', () => {
  it('says there is nothing to compare before any phase branch exists', () => {
    const r = repo.parallel(['conflicts']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No phase branches yet/);
    expect(repo.json(['conflicts']).data).toEqual({ schema: 1, ok: true, pairs: [] });
  });

  it('reports conflicting pairs with their files, skips clean ones, touches no worktree, exits 0', () => {
    branch('parallel/schema', { 'shared.txt': 'ONE\ntwo\nthree\n', 'file with space.txt': 'a\n' });
    branch('parallel/auth', { 'shared.txt': 'uno\ntwo\nthree\n', 'file with space.txt': 'b\n' });
    // Same file, different lines: merges cleanly.
    branch('parallel/dashboard', { 'shared.txt': 'one\ntwo\nTHREE\n' });
    branch('parallel/review-auth', { 'other.txt': 'y\n' });
    const head = repo.rev('HEAD');
    const r = repo.json<{ pairs: { a: string; b: string; files: string[] }[] }>(['conflicts']);
    expect(r.code).toBe(0);
    expect(r.data.pairs).toEqual([{ a: 'auth', b: 'schema', files: ['file with space.txt', 'shared.txt'] }]);
    expect(repo.rev('HEAD')).toBe(head);
    expect(repo.git(['status', '--porcelain']).stdout).toBe('');
    const text = repo.parallel(['conflicts']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('auth x schema: 2 files');
    expect(text.stdout).toContain('parallel update');
  });

  it('compares each phase branch with the integration branch too', () => {
    repo.git(['branch', 'parallel/integration', 'parallel/schema']);
    const r = repo.json<{ pairs: { a: string; b: string; files: string[] }[] }>(['conflicts']);
    expect(r.data.pairs).toEqual([
      { a: 'auth', b: 'schema', files: ['file with space.txt', 'shared.txt'] },
      { a: 'auth', b: 'integration', files: ['file with space.txt', 'shared.txt'] },
    ]);
  });

  it('sees a conflict a branch brought in by merging base (the touched-files filter keeps the pair)', () => {
    const r0 = new TestRepo();
    try {
      r0.commit({ '.parallel.yml': SPEC_PLAN, 'f.txt': 'base\n' }, 'init');
      r0.git(['branch', 'parallel/auth']);
      r0.git(['branch', 'parallel/schema']);
      r0.commit({ 'f.txt': 'changed on main\n' }, 'main moves');
      // schema merges main (no change of its own to f.txt); auth changes f.txt from the old base.
      r0.git(['checkout', '-q', 'parallel/schema']);
      r0.commit({ 'schema.sql': 'x\n' }, 'schema work');
      r0.git(['merge', '-q', '--no-edit', 'main']);
      r0.git(['checkout', '-q', 'parallel/auth']);
      r0.commit({ 'f.txt': 'changed by auth\n' }, 'auth work');
      r0.git(['checkout', '-q', 'main']);
      const r = r0.json<{ pairs: { a: string; b: string; files: string[] }[] }>(['conflicts']);
      expect(r.data.pairs).toEqual([{ a: 'auth', b: 'schema', files: ['f.txt'] }]);
    } finally {
      r0.cleanup();
    }
  });

  it('sees a file/directory conflict (one branch adds a file where the other adds a folder)', () => {
    const r0 = new TestRepo();
    try {
      r0.commit({ '.parallel.yml': SPEC_PLAN }, 'init');
      r0.git(['checkout', '-q', '-b', 'parallel/auth']);
      r0.commit({ 'foo': 'a file\n' }, 'auth adds foo');
      r0.git(['checkout', '-q', '-b', 'parallel/schema', 'main']);
      r0.commit({ 'foo/bar': 'in a folder\n' }, 'schema adds foo/bar');
      r0.git(['checkout', '-q', 'main']);
      const r = r0.json<{ pairs: { a: string; b: string; files: string[] }[] }>(['conflicts']);
      expect(r.data.pairs).toHaveLength(1);
      expect(r.data.pairs[0]).toMatchObject({ a: 'auth', b: 'schema' });
      expect(r.data.pairs[0]!.files).toEqual(['foo']);
    } finally {
      r0.cleanup();
    }
  });
});
