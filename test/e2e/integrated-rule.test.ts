/**
 * One rule for "integrated" in status, integrate and start (SPEC "integrated"): a done phase with
 * nothing to merge satisfies `needs`; a started phase with no commits and no done does not. It is
 * decided from events and refs, never a local reflog, and `sync` brings the integration branch,
 * so another clone agrees.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_AUTH_PLAN, planRepo, wtPath, join, type TestRepo } from './worktree-fixtures.js';

interface Status { phases: { id: string; state: string }[] }
const stateOf = (repo: TestRepo, id: string, cwd = repo.dir) => repo.json<Status>(['status'], { cwd }).data.phases.find((p) => p.id === id)!.state;

describe('the integrated rule', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('a done phase with no commits is integrated for status and integrate, and its dependents start', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    expect(repo.parallel(['done', '-m', 'nothing was needed'], { cwd: wtPath(repo, 'schema') }).code).toBe(0);
    expect(stateOf(repo, 'schema')).toBe('integrated');
    const integrate = repo.json<{ ok: boolean; skipped: { id: string; reason: string }[] }>(['integrate']);
    expect(integrate.code, integrate.stderr).toBe(0);
    expect(integrate.data.skipped).toEqual([expect.objectContaining({ id: 'auth', reason: 'not_done' })]);
    const start = repo.parallel(['start', 'auth']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/started auth/);
  });

  it('a started phase with no commits and no done satisfies no need, with or without a reflog', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    // No reflog to go by: the decision must come from events and refs.
    repo.git(['config', 'core.logAllRefUpdates', 'false']);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    expect(stateOf(repo, 'schema')).toBe('running');
    const start = repo.parallel(['start', 'auth']);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/auth: .*schema/);
    const dry = repo.json<{ skipped: { id: string; reason: string }[] }>(['integrate', '--dry-run']);
    expect(dry.data.skipped.map((k) => [k.id, k.reason])).toEqual([['schema', 'not_done'], ['auth', 'not_done']]);
  });

  it('after sync, another clone sees a phase merged into the integration branch as integrated and starts its dependent', () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    const remote = join(repo.root, 'remote.git');
    repo.git(['init', '-q', '--bare', '-b', 'main', remote]);
    repo.git(['remote', 'add', 'origin', remote]);
    repo.git(['push', '-q', 'origin', 'main']);
    const clone = join(repo.root, 'clone');
    repo.git(['clone', '-q', remote, clone]);
    repo.git(['config', 'parallel.base', 'main'], { cwd: clone });

    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    repo.commit({ 'src/db/t.sql': 't\n' }, 'tables', wtPath(repo, 'schema'));
    expect(repo.parallel(['done', '-m', 'tables'], { cwd: wtPath(repo, 'schema') }).code).toBe(0);
    const run = repo.parallel(['integrate']);
    expect(run.code, run.stderr).toBe(0);
    repo.git(['push', '-q', 'origin', 'parallel/integration']);
    expect(repo.parallel(['sync']).code).toBe(0);

    const sync = repo.parallel(['sync'], { cwd: clone });
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/parallel\/integration created at origin's/);
    expect(repo.git(['rev-parse', 'parallel/integration'], { cwd: clone }).stdout).toBe(repo.git(['rev-parse', 'parallel/integration']).stdout);
    expect(stateOf(repo, 'schema', clone)).toBe('integrated');
    const start = repo.parallel(['start', 'auth'], { cwd: clone });
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/started auth: .* from parallel\/integration/);
  });
});
