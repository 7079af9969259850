/**
 * The session's commands end to end, through the built CLI in real phase worktrees: each records
 * what the dashboard and the log then show, and refuses what SPEC says it refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRepo, addPhase, apiStart, phaseOf, type StatusJson, type TestRepo } from './store-fixture.js';

const PLAN = `version: 1
name: client-portal
base: main
phases:
  - id: schema
    task: Database schema
    owns: [src/db/]
    checklist:
      - Create the users table
      - text: Migrations run cleanly
        verify: test -f migrations.ok
  - id: auth
    needs: [schema]
    task: Login
    owns: [src/auth/]
  - id: review-schema
    reviews: schema
    criteria: [No secrets]
`;

describe('session commands', () => {
  let repo: TestRepo;
  let schema: string;
  let reviewer: string;

  beforeAll(() => {
    repo = planRepo(PLAN);
    schema = addPhase(repo, 'schema');
    reviewer = addPhase(repo, 'review-schema', { reviewer: true });
  });
  afterAll(() => repo.cleanup());

  it('heartbeat records progress, message and metadata shown by status', () => {
    const r = repo.parallel(['heartbeat', '-p', '40', '-m', 'tables', '--meta', 'model=opus', '--meta', 'host=ci'], { cwd: schema });
    expect(r.code, r.stderr).toBe(0);
    const { data } = repo.json<StatusJson>(['status']);
    const p = phaseOf(data, 'schema');
    expect(p).toMatchObject({ state: 'running', session: 'schema', progress: 40, message: 'tables', metadata: { model: 'opus', host: 'ci' } });
  });

  it('refuses bad input with exit 2 and a fix', () => {
    const bad = repo.parallel(['heartbeat', '-p', '140'], { cwd: schema });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/parallel: progress "140" must be a number from 0 to 100/);
    const meta = repo.parallel(['heartbeat', '--meta', 'novalue'], { cwd: schema });
    expect(meta.code).toBe(2);
    expect(meta.stderr).toMatch(/key=value/);
    const outside = repo.parallel(['heartbeat', '-p', '5']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/not a phase worktree.*--phase/);
    const unknown = repo.parallel(['heartbeat', '--phase', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no phase "nope"/);
    const noMsg = repo.parallel(['error'], { cwd: schema });
    expect(noMsg.code).toBe(2);
    expect(noMsg.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('error is counted and shown as the last error; task ticks by number and by text', () => {
    expect(repo.parallel(['error', '-m', 'API timeout'], { cwd: schema }).code).toBe(0);
    expect(repo.parallel(['task', '1'], { cwd: schema }).code).toBe(0);
    expect(repo.parallel(['task', 'migrations run'], { cwd: schema }).code).toBe(0);
    expect(repo.parallel(['task', 'migrations run', '--undo'], { cwd: schema }).code).toBe(0);
    const missing = repo.parallel(['task', '7'], { cwd: schema });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no item 7/);
    const { data } = repo.json<StatusJson>(['status']);
    const p = phaseOf(data, 'schema');
    expect(p.errors).toBe(1);
    expect(p.last_error).toMatchObject({ message: 'API timeout' });
    expect(p.checklist).toEqual([
      { index: 1, text: 'Create the users table', done: true },
      { index: 2, text: 'Migrations run cleanly', done: false, verify: 'test -f migrations.ok' },
    ]);
    expect(repo.parallel(['status']).stdout).toMatch(/last error: \d\d:\d\d API timeout/);
  });

  it('done is refused while a checklist verify command fails, then accepted', () => {
    const refused = repo.parallel(['done', '-m', 'tables'], { cwd: schema });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/checklist item 2 \("Migrations run cleanly"\) is not verified: "test -f migrations.ok" exited with 1/);
    expect(phaseOf(repo.json<StatusJson>(['status']).data, 'schema').state).toBe('running');
    repo.write('migrations.ok', '', schema);
    repo.commit({ 'src/db/users.sql': 'create table users();\n' }, 'users table', schema);
    const ok = repo.parallel(['done', '-m', 'tables and migrations', '--output', 'src/db/users.sql'], { cwd: schema });
    expect(ok.code, ok.stderr).toBe(0);
    const p = phaseOf(repo.json<StatusJson>(['status']).data, 'schema');
    expect(p).toMatchObject({ state: 'done', progress: 100, message: 'tables and migrations', output_files: ['src/db/users.sql'], commits: 1, files_changed: 1 });
    expect(p.completed_at).toEqual(expect.any(String));
  });

  it('a heartbeat on a done phase is recorded but changes nothing', () => {
    expect(repo.parallel(['heartbeat', '-p', '10', '-m', 'late'], { cwd: schema }).code).toBe(0);
    const p = phaseOf(repo.json<StatusJson>(['status']).data, 'schema');
    expect(p).toMatchObject({ state: 'done', progress: 100, message: 'tables and migrations' });
    const log = repo.json<{ events: { type: string; message?: string }[] }>(['log', 'schema']).data.events;
    expect(log.at(-1)).toMatchObject({ type: 'heartbeat', message: 'late' });
  });

  it('review binds to the reviewed tip and goes stale after a new commit there', () => {
    const notReviewer = repo.parallel(['review', 'approve', '-m', 'x'], { cwd: schema });
    expect(notReviewer.code).toBe(1);
    expect(notReviewer.stderr).toMatch(/not a reviewer phase/);
    const tip = repo.rev('parallel/schema');
    const r = repo.parallel(['review', 'approve', '-m', 'looks right'], { cwd: reviewer });
    expect(r.code, r.stderr).toBe(0);
    let p = phaseOf(repo.json<StatusJson>(['status']).data, 'review-schema');
    expect(p.review).toMatchObject({ verdict: 'approve', reviews: 'schema', tip, stale: false });
    // The verdict finishes the reviewer's session: status --wait no longer waits for it.
    expect(p.state).toBe('done');
    expect(p.message).toBe('looks right');
    repo.commit({ 'src/db/more.sql': 'x\n' }, 'more', schema);
    p = phaseOf(repo.json<StatusJson>(['status']).data, 'review-schema');
    expect(p.review).toMatchObject({ verdict: 'approve', tip, stale: true });
    expect(repo.parallel(['review', 'maybe', '-m', 'x'], { cwd: reviewer }).code).toBe(2);
  });

  it('refuses to report for a phase nobody started, and leaves it pending', () => {
    for (const args of [['heartbeat', '--phase', 'auth', '-p', '20'], ['fail', '--phase', 'auth', '-m', 'x'], ['handoff', '--phase', 'auth', '-m', 'x']]) {
      const r = repo.parallel(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain('parallel: phase auth is not started, so there is no session to record');
      expect(r.stderr).toContain('Run "parallel start auth" first.');
    }
    expect(phaseOf(repo.json<StatusJson>(['status']).data, 'auth')).toMatchObject({ state: 'pending', session: null });
    expect(repo.json<{ events: unknown[] }>(['log', 'auth']).data.events).toEqual([]);
  });

  it('fail and handoff from the coordinator with --phase; the brief data keeps the handoff', () => {
    apiStart(repo, repo.dir, 'auth');
    expect(repo.parallel(['heartbeat', '--phase', 'auth', '-p', '20']).code).toBe(0);
    expect(repo.parallel(['handoff', '--phase', 'auth', '-m', 'Done: login. Remaining: reset.']).code).toBe(0);
    expect(repo.parallel(['fail', '--phase', 'auth', '-m', 'blocked on SMTP']).code).toBe(0);
    const p = phaseOf(repo.json<StatusJson>(['status']).data, 'auth');
    expect(p).toMatchObject({ state: 'failed', message: 'blocked on SMTP', handoff: { message: 'Done: login. Remaining: reset.' } });
    expect(repo.parallel(['status']).stdout).toMatch(/\[X\] auth\s+\[####-+\]\s+20%\s+FAILED: blocked on SMTP/);
  });

  it('decide is for the coordinator only; decisions lists them oldest first', () => {
    const inPhase = repo.parallel(['decide', 'Use UUIDs'], { cwd: schema });
    expect(inPhase.code).toBe(1);
    expect(inPhase.stderr).toMatch(/only the coordinator decides/);
    expect(repo.parallel(['decide', 'Use UUID v7 for ids']).code).toBe(0);
    expect(repo.parallel(['decide', 'Errors use AUTH_ codes']).code).toBe(0);
    const d = repo.json<{ decisions: { text: string }[] }>(['decisions'], { cwd: schema }).data.decisions;
    expect(d.map((x) => x.text)).toEqual(['Use UUID v7 for ids', 'Errors use AUTH_ codes']);
    expect(repo.parallel(['decisions']).stdout).toMatch(/^1\. .* Use UUID v7 for ids\n2\. .* Errors use AUTH_ codes\n?$/);
  });

  it('log is oldest first with unique ids, and filters by phase', () => {
    const all = repo.json<{ events: { id: string; at: string; type: string; phase: string }[] }>(['log']).data.events;
    expect(all.length).toBeGreaterThan(10);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect([...all].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).map((e) => e.id)).toEqual(all.map((e) => e.id));
    const auth = repo.json<{ events: { phase: string; type: string }[] }>(['log', 'auth']).data.events;
    expect(auth.map((e) => e.type)).toEqual(['start', 'heartbeat', 'handoff', 'fail']);
    expect(repo.parallel(['log', 'auth']).stdout).toMatch(/auth\s+fail\s+blocked on SMTP/);
    // An id that is neither in the plan nor logged is a usage error.
    const typo = repo.parallel(['log', 'nope']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('parallel: the plan has no phase "nope" and nothing was ever logged for it. Phases: schema, auth, review-schema.');
  });
});

describe('a relay: two sessions of one phase', () => {
  it('keeps each session\'s events apart and shows the current one', () => {
    const repo = planRepo(PLAN);
    try {
      // A phase of the plan nobody started has no events yet (exit 0).
      const quiet = repo.parallel(['log', 'auth']);
      expect(quiet.code).toBe(0);
      expect(quiet.stdout).toMatch(/No events yet for "auth"/);
      const dir = addPhase(repo, 'schema', { session: 'schema' });
      expect(repo.parallel(['heartbeat', '-p', '30', '-m', 'first'], { cwd: dir }).code).toBe(0);
      // The API's start applies the relay rule: no takeover while the session runs.
      expect(() => apiStart(repo, repo.dir, 'schema', 'schema-2')).toThrow(/phase schema is running under session schema, so session schema-2 cannot start it/);
      expect(repo.parallel(['task', '1'], { cwd: dir }).code).toBe(0);
      expect(repo.parallel(['handoff', '-m', 'tables exist; migrations left'], { cwd: dir }).code).toBe(0);
      expect(repo.parallel(['fail', '-m', 'out of context'], { cwd: dir }).code).toBe(0);
      // The relay: the marker names the new session (as `parallel start --session` writes it).
      const gitDir = repo.git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: dir }).stdout.trim();
      repo.write('parallel-phase', 'phase=schema\nsession=schema-2\nworkspace=client-portal\n', gitDir);
      const early = repo.parallel(['heartbeat', '-m', 'before my start'], { cwd: dir });
      expect(early.code).toBe(1);
      expect(early.stderr).toContain('parallel: phase schema (session schema-2) is not started');
      apiStart(repo, dir, 'schema', 'schema-2');
      expect(repo.parallel(['heartbeat', '-p', '60', '-m', 'second'], { cwd: dir }).code).toBe(0);
      const p = phaseOf(repo.json<StatusJson>(['status']).data, 'schema');
      expect(p).toMatchObject({ state: 'running', session: 'schema-2', sessions: ['schema', 'schema-2'], progress: 60, message: 'second' });
      expect((p.checklist as { done: boolean }[])[0]!.done).toBe(true);
      const events = repo.json<{ events: { session: string; type: string }[] }>(['log', 'schema']).data.events;
      expect(events.filter((e) => e.session === 'schema').map((e) => e.type)).toEqual(['start', 'heartbeat', 'task', 'handoff', 'fail']);
      expect(events.filter((e) => e.session === 'schema-2').map((e) => e.type)).toEqual(['start', 'heartbeat']);
      const tree = repo.git(['ls-tree', '-r', '--name-only', 'refs/notes/parallel']).stdout;
      expect(tree).toMatch(/^sessions\/schema\/schema\.json$/m);
      expect(tree).toMatch(/^sessions\/schema\/schema-2\.json$/m);
    } finally {
      repo.cleanup();
    }
  });
});
