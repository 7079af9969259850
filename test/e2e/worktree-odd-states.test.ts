/**
 * The odd states of issue 3, each through the built CLI in a real repository: what the user
 * sees (exit code, message) and that nothing was changed when a start is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { TestRepo } from '../helpers/repo.js';
import { SCHEMA_AUTH_PLAN, planRepo, wtPath, worktreeList, marker, branchExists, refs, existsSync, readFileSync, join } from './worktree-fixtures.js';

const PLAN = `${SCHEMA_AUTH_PLAN}  - id: review-schema
    reviews: schema
    criteria: [No secrets]
`;

describe('odd states', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('an unknown phase id, a bad wave, a bad session id and no target are usage errors (exit 2)', () => {
    repo = planRepo(PLAN);
    const unknown = repo.parallel(['start', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown phase "nope"\. The plan's phases are: schema, auth, review-schema/);
    expect(repo.parallel(['start', '--wave', '9']).stderr).toMatch(/no wave 9/);
    expect(repo.parallel(['start', '--wave', '0']).code).toBe(2);
    expect(repo.parallel(['start', 'schema', '--session', 'Bad Id']).code).toBe(2);
    expect(repo.parallel(['start']).code).toBe(2);
    expect(repo.parallel(['start', 'schema', '--ready']).code).toBe(2);
    expect(repo.parallel(['start', 'schema', '--meta', 'novalue']).code).toBe(2);
    expect(worktreeList(repo).size).toBe(1);
  });

  it('a reviewer phase needs no branch and starts once the reviewed phase is done, detached at its tip', () => {
    repo = planRepo(PLAN);
    const early = repo.parallel(['start', 'review-schema']);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/a reviewer phase: it needs no branch of its own and starts once schema is done \(schema is pending\)/);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    const tip = repo.commit({ 'src/db/a.sql': 'a\n' }, 'a', wtPath(repo, 'schema'));
    expect(repo.parallel(['done', '-m', 'tables'], { cwd: wtPath(repo, 'schema') }).code).toBe(0);
    const r = repo.parallel(['start', 'review-schema']);
    expect(r.code, r.stderr).toBe(0);
    const wt = wtPath(repo, 'review-schema');
    expect(worktreeList(repo).get(wt)).toBe('detached');
    expect(repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim()).toBe(tip);
    expect(marker(repo, wt)).toEqual({ phase: 'review-schema', session: 'review-schema', workspace: 'app', reviewer: '1' });
    expect(branchExists(repo, 'parallel/review-schema')).toBe(false);
    expect(readFileSync(join(wt, '.parallel/BRIEF.md'), 'utf8')).toMatch(/reviewing phase \*\*schema\*\* at commit `[0-9a-f]{12}`/);
    // The hooks read the marker: every commit in the reviewer's worktree is refused.
    repo.write('notes.txt', 'x\n', wt);
    repo.git(['add', 'notes.txt'], { cwd: wt });
    const commit = repo.git(['commit', '-q', '-m', 'review notes'], { cwd: wt, allowFail: true });
    expect(commit.code).not.toBe(0);
    expect(repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim()).toBe(tip);
  });

  it('a relay is refused while the session runs, and allowed once it has failed', () => {
    repo = planRepo(PLAN);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    const wt = wtPath(repo, 'schema');
    const busy = repo.parallel(['start', 'schema', '--session', 'schema-2']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/session schema is still running; a relay to schema-2 is allowed once it is done, failed, stale or timed out/);
    expect(marker(repo, wt).session).toBe('schema');
    expect(repo.parallel(['fail', '-m', 'stuck'], { cwd: wt }).code).toBe(0);
    const relay = repo.parallel(['start', 'schema', '--session', 'schema-2']);
    expect(relay.code, relay.stderr).toBe(0);
    expect(relay.stdout).toContain(`handed schema from session schema to schema-2 at ${wt}`);
    expect(marker(repo, wt).session).toBe('schema-2');
    // Each session has its own scratch folder.
    expect(repo.parallel(['scratch'], { cwd: wt }).stdout.trim()).toBe(join(wt, '.parallel/scratch/schema-2'));
    expect(existsSync(join(wt, '.parallel/scratch/schema'))).toBe(true);
    const { data } = repo.json<{ phases: { id: string; state: string; session: string }[] }>(['status']);
    expect(data.phases.find((p) => p.id === 'schema')).toMatchObject({ state: 'running', session: 'schema-2' });
  });

  it('the branch checked out elsewhere, or the worktree path taken by something else, is refused', () => {
    repo = planRepo(PLAN);
    repo.git(['branch', 'parallel/schema']);
    const other = join(repo.root, 'elsewhere');
    repo.git(['worktree', 'add', '-q', other, 'parallel/schema']);
    const r = repo.parallel(['start', 'schema']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`its branch parallel/schema is checked out in ${other}`);
    repo.git(['worktree', 'remove', other]);
    mkdirSync(wtPath(repo, 'schema'));
    writeFileSync(join(wtPath(repo, 'schema'), 'mine.txt'), 'not yours\n');
    const taken = repo.parallel(['start', 'schema']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/repo-schema already exists and is not the worktree of schema; move it away/);
    expect(readFileSync(join(wtPath(repo, 'schema'), 'mine.txt'), 'utf8')).toBe('not yours\n');
  });

  it('a worktree deleted with rm -rf is recreated from its branch by start, keeping its commits', () => {
    repo = planRepo(PLAN);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    const tip = repo.commit({ 'src/db/a.sql': 'a\n' }, 'a', wtPath(repo, 'schema'));
    rmSync(wtPath(repo, 'schema'), { recursive: true, force: true });
    const { data } = repo.json<{ phases: { id: string; state: string }[] }>(['status']);
    expect(data.phases.find((p) => p.id === 'schema')!.state).toBe('missing');
    const r = repo.parallel(['start', 'schema']);
    expect(r.code, r.stderr).toBe(0);
    expect(repo.git(['rev-parse', 'HEAD'], { cwd: wtPath(repo, 'schema') }).stdout.trim()).toBe(tip);
    expect(readFileSync(join(wtPath(repo, 'schema'), 'src/db/a.sql'), 'utf8')).toBe('a\n');
    expect(worktreeList(repo).size).toBe(2);
  });

  it('a worktree an interrupted start left without its marker is adopted, not refused', () => {
    repo = planRepo(PLAN);
    // What a kill -9 between "git worktree add" and writing the marker leaves behind.
    repo.git(['worktree', 'add', '-q', '-b', 'parallel/schema', wtPath(repo, 'schema'), 'main']);
    const r = repo.parallel(['start', 'schema']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/started schema: .*repo-schema \(branch parallel\/schema, session schema\)/);
    expect(marker(repo, wtPath(repo, 'schema'))).toEqual({ phase: 'schema', session: 'schema', workspace: 'app' });
    expect(existsSync(join(wtPath(repo, 'schema'), '.parallel/BRIEF.md'))).toBe(true);
  });

  it('start inside a phase worktree is refused: it is the coordinator\'s command', () => {
    repo = planRepo(PLAN);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    const r = repo.parallel(['start', 'auth'], { cwd: join(wtPath(repo, 'schema')) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/this is the worktree of phase schema\. Run it from the main worktree: cd .*repo && parallel start/);
  });

  it('a repository with no commits, a detached main worktree, and a missing base say what to do', () => {
    repo = new TestRepo();
    repo.write('.parallel.yml', PLAN);
    const empty = repo.parallel(['start', 'schema']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/this repository has no commits yet\. Commit a \.parallel\.yml on main first/);
    repo.commit({ '.parallel.yml': PLAN }, 'plan');
    repo.git(['checkout', '-q', '--detach']);
    const detached = repo.parallel(['start', 'schema']);
    expect(detached.code).toBe(2);
    expect(detached.stderr).toMatch(/detached HEAD.*parallel init/);
    repo.git(['config', 'parallel.base', 'main']);
    const ok = repo.parallel(['start', 'schema']);
    expect(ok.code, ok.stderr).toBe(0);
    repo.git(['config', 'parallel.base', 'trunk']);
    const before = refs(repo);
    const nobase = repo.parallel(['start', 'auth']);
    expect(nobase.code).toBe(2);
    expect(nobase.stderr).toMatch(/the base branch "trunk" does not exist/);
    expect(refs(repo)).toBe(before);
  });

  it('paths with spaces in the repository location work for start, whoami, exec and remove', () => {
    repo = planRepo(PLAN.replace('name: app', 'name: app\nworktrees: "../trees of {repo}/{phase} wt"'), { name: 'my repo' });
    const r = repo.parallel(['start', 'schema']);
    expect(r.code, r.stderr).toBe(0);
    const wt = join(repo.root, 'trees of my repo', 'schema wt');
    expect(worktreeList(repo).get(wt)).toBe('refs/heads/parallel/schema');
    expect(repo.parallel(['whoami'], { cwd: join(wt) }).stdout).toMatch(/phase\s+schema/);
    const ex = repo.parallel(['exec', 'schema', '--', 'pwd']);
    expect(ex.stdout.trim()).toBe(wt);
    const rm = repo.parallel(['remove', 'schema']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(existsSync(wt)).toBe(false);
  });
});
