/**
 * A clone syncs notes on commits it has never fetched (merge commits integrate made on a CI
 * runner, before this clone fetched the integration branch): both clones wrote events, so sync
 * merges the two coordination refs, and the note stays readable on the clone once the commit arrives.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRepo, addPhase, apiStart, SPEC_PLAN, TestRepo } from './store-fixture.js';

describe('sync with notes on commits this clone lacks', () => {
  let repo: TestRepo;
  let clone: string;
  beforeAll(() => {
    repo = planRepo(SPEC_PLAN);
    const remote = join(repo.root, 'remote.git');
    repo.git(['init', '-q', '--bare', '-b', 'main', remote]);
    repo.git(['remote', 'add', 'origin', remote]);
    repo.git(['push', '-q', 'origin', 'main']);
    clone = join(repo.root, 'clone');
    repo.git(['clone', '-q', remote, clone]);
    repo.git(['config', 'parallel.base', 'main'], { cwd: clone });
  });
  afterAll(() => repo.cleanup());

  it('merges the refs and keeps the note', () => {
    addPhase(repo, 'schema');
    expect(repo.parallel(['sync']).code).toBe(0);
    expect(repo.parallel(['sync'], { cwd: clone }).code).toBe(0);
    // A commit only the first clone has, with a note (as integrate leaves on a merge commit).
    const tree = repo.git(['rev-parse', 'main^{tree}']).stdout.trim();
    const lonely = repo.git(['commit-tree', tree, '-p', 'main', '-m', 'a merge elsewhere']).stdout.trim();
    repo.git(['update-ref', 'refs/heads/parallel/integration', lonely]);
    repo.git(['notes', '--ref=parallel', 'add', '-m', 'phase: schema', lonely]);
    expect(repo.parallel(['sync']).code).toBe(0);
    // The clone writes its own event meanwhile, so the refs have diverged: a real merge.
    apiStart(repo, clone, 'auth');
    const r = repo.parallel(['sync'], { cwd: clone });
    expect(r.code, r.stderr).toBe(0);
    expect(repo.git(['cat-file', '-e', lonely], { cwd: clone, allowFail: true }).code).not.toBe(0); // the commit is not here
    const path = repo.git(['ls-tree', '-r', '--name-only', 'refs/notes/parallel'], { cwd: clone }).stdout.split('\n').find((p) => p.replace(/\//g, '') === lonely);
    expect(path).toBeDefined();
    expect(repo.git(['cat-file', '-p', `refs/notes/parallel:${path}`], { cwd: clone }).stdout).toBe('phase: schema\n');
    // Once the commit arrives, plain git shows the note.
    repo.git(['push', '-q', 'origin', 'parallel/integration']);
    repo.git(['fetch', '-q', 'origin', 'parallel/integration'], { cwd: clone });
    expect(repo.git(['notes', '--ref=parallel', 'show', lonely], { cwd: clone }).stdout).toBe('phase: schema\n');
    const log = repo.json<{ events: { phase?: string; type: string }[] }>(['log'], { cwd: clone }).data.events;
    expect(log.filter((e) => e.type === 'start').map((e) => e.phase).sort()).toEqual(['auth', 'schema']);
  });
});
