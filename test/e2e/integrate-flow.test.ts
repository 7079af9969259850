/**
 * `parallel integrate` end to end: dependency order, reviews, dry run, land, notes and events;
 * a conflict fixed with `parallel update`; violations, stale reviews and squash merges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fixture, letterPhases, planYaml, skippedOf } from './integrate-fixture.js';

const ORDER_PLAN = `version: 1
name: shop
base: main
test: test -e README.md
phases:
  - id: schema
    task: tables
    owns: [db/]
  - id: ui
    task: screens
    needs: [auth]
    owns: [ui/]
  - id: auth
    task: login
    needs: [schema]
    owns: [auth/]
  - id: api
    task: endpoints
    needs: [schema]
    owns: [api/]
  - id: review-auth
    reviews: auth
    criteria: [no secrets]
`;

describe('integrate: order, reviews, dry run, land', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(ORDER_PLAN);
  });
  afterAll(() => f.cleanup());

  it('creates the integration branch and merges a done phase with --no-ff', () => {
    f.finish({ schema: { 'db/users.sql': 'create table users;\n' } });
    const r = f.integrate();
    expect(r.code, r.stderr).toBe(0);
    expect(r.data.integrated).toEqual(['schema']);
    expect(r.data.skipped.map((s) => `${s.id}:${s.reason}`)).toEqual(['auth:not_done', 'ui:not_done', 'api:not_done']);
    expect(r.data.tests).toMatchObject({ command: 'test -e README.md', passed: true });
    expect(existsSync(r.data.tests!.log)).toBe(true);
    const head = f.rev('parallel/integration')!;
    expect(r.data.head).toBe(head);
    expect(f.repo.git(['rev-list', '--parents', '-n1', head]).stdout.trim().split(' ')).toHaveLength(3);
    expect(f.subjects('parallel/integration')[0]).toBe('parallel: integrate schema (schema)');
    expect(r.stderr).toMatch(/\[1\/1\] merged schema \(\d+\.\ds\)/);
    expect(f.rev('main')).not.toBe(head); // no --land: base stays
  });

  it('merges in dependency order (ties in declaration order) and only approved tips', () => {
    f.start('auth', 'api');
    // schema gets more work after it was integrated (a relay to a new session, allowed once the
    // phase is integrated, then commits), so schema and auth are done together and their order matters.
    f.ok(['start', 'schema', '--session', 'schema-2']);
    f.work('schema', { 'db/roles.sql': 'create table roles;\n' });
    f.work('schema', { 'db/grants.sql': 'grant all;\n' });
    f.done('schema');
    f.work('auth', { 'auth/login.ts': 'export const login = 1;\n' });
    f.done('auth');
    f.work('api', { 'api/users.ts': 'export const users = 1;\n' });
    f.done('api');

    // Not reviewed yet: auth is held back (and would fail the run).
    const before = f.rev('parallel/integration');
    const dry = f.integrate(['--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.data.order).toEqual(['schema', 'auth', 'ui', 'api']);
    expect(dry.data.integrated).toEqual(['schema', 'api']);
    expect(skippedOf(dry.data)).toEqual({ auth: 'review', ui: 'not_done' });
    expect(dry.data.skipped.find((s) => s.id === 'auth')!.detail).toContain('review-auth has not reviewed it yet');
    expect(f.rev('parallel/integration')).toBe(before);

    f.start('review-auth');
    f.ok(['review', 'approve', '-m', 'looks fine'], { cwd: f.worktree('review-auth') });
    const text = f.repo.parallel(['integrate', '--dry-run']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Would merge, in this order: schema, auth, api');
    expect(text.stdout).toMatch(/Reviews: auth by review-auth: approved [0-9a-f]{7}/);
    expect(f.rev('parallel/integration')).toBe(before);
  });

  it('integrates, writes notes and events, and lands on a clean checked-out base', () => {
    const r = f.integrate(['--land']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.data.integrated).toEqual(['schema', 'auth', 'api']);
    expect(r.data.skipped).toEqual([{ id: 'ui', reason: 'not_done', detail: 'it is pending' }]);
    expect(f.subjects('parallel/integration').slice(0, 3)).toEqual([
      'parallel: integrate api (api)',
      'parallel: integrate auth (auth)',
      'parallel: integrate schema (schema-2)',
    ]);
    expect(r.data.landed).toBe(true);
    const head = f.rev('parallel/integration')!;
    expect(f.rev('main')).toBe(head);
    // The main worktree (base checked out) was fast-forwarded, files and all, and is clean.
    expect(readFileSync(join(f.repo.dir, 'auth/login.ts'), 'utf8')).toContain('login');
    expect(f.repo.git(['status', '--porcelain']).stdout).toBe('');
    const note = f.repo.git(['notes', '--ref=refs/notes/parallel', 'show', `${head}`]).stdout;
    expect(note).toContain('phase: api');
    expect(note).toContain('session: api');
    expect(note).toContain('test: test -e README.md');
    expect(note).toMatch(/result: passed in \d+\.\ds/);
    const log = f.repo.json<{ events: { type: string; phase: string; result?: string }[] }>(['log']);
    const integrated = log.data.events.filter((e) => e.type === 'integrate' && e.result === 'integrated').map((e) => e.phase);
    expect(integrated.sort()).toEqual(['api', 'auth', 'schema', 'schema']);
    const status = f.repo.json<{ phases: { id: string; state: string }[] }>(['status']);
    expect(Object.fromEntries(status.data.phases.map((p) => [p.id, p.state]))).toMatchObject({ schema: 'integrated', auth: 'integrated', api: 'integrated' });
    // Nothing new: exit 0 and nothing moves.
    const again = f.integrate();
    expect(again.code).toBe(0);
    expect(again.data.integrated).toEqual([]);
    expect(f.rev('parallel/integration')).toBe(head);
  });
});

const SHARED_PLAN = planYaml({ name: 'conflicts', shared: ['config.txt'], phases: letterPhases(4, { delta: ['beta'] }) });

describe('integrate: a conflict between parallel phases, fixed with parallel update', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(SHARED_PLAN, { 'config.txt': 'port=1\n' });
  });
  afterAll(() => f.cleanup());

  it('skips the later conflicting phase, names files, phases and the fix; independent phases still merge', () => {
    f.finish({
      alpha: { 'config.txt': 'port=2\n', 'alpha/a.txt': 'a\n' },
      beta: { 'config.txt': 'port=3\n', 'beta/b.txt': 'b\n' },
      gamma: { 'gamma/c.txt': 'c\n' },
    });
    const r = f.integrate();
    expect(r.code).toBe(1);
    expect(r.data.ok).toBe(false);
    expect(r.data.integrated).toEqual(['alpha', 'gamma']);
    const beta = r.data.skipped.find((s) => s.id === 'beta')!;
    expect(beta.reason).toBe('conflict');
    expect(beta.detail).toContain('alpha');
    expect(beta.detail).toContain('config.txt');
    expect(beta.detail).toContain('parallel update');
    expect(r.data.tests).toBeNull();
    expect(r.stderr).toMatch(/conflict: beta with alpha in config\.txt/);
    const text = f.repo.parallel(['integrate', '--dry-run']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/beta\s+conflict\s+would conflict with alpha in config\.txt/);
    // A real run blames alpha too, though alpha was merged by the earlier run.
    const again = f.integrate();
    expect(again.data.skipped.find((s) => s.id === 'beta')!.detail).toMatch(/^conflicts with alpha in config\.txt/);
  });

  it('parallel update leaves the conflict to resolve, and the resolved phase integrates', () => {
    const wt = f.worktree('beta');
    const up = f.repo.parallel(['update'], { cwd: wt });
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('config.txt');
    expect(up.stderr).toContain('commit --no-edit');
    expect(existsSync(join(f.repo.root, 'repo/.git/worktrees/repo-beta/MERGE_HEAD'))).toBe(true);
    // A second update while the merge is in progress is refused with what to do.
    const again = f.repo.parallel(['update', '--phase', 'beta']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already in progress');
    writeFileSync(join(wt, 'config.txt'), 'port=2\nport_b=3\n');
    f.repo.git(['add', 'config.txt'], { cwd: wt });
    f.repo.git(['commit', '-q', '--no-edit'], { cwd: wt });
    const r = f.integrate();
    expect(r.code, JSON.stringify(r.data)).toBe(0);
    expect(r.data.integrated).toEqual(['beta']);
    expect(f.show('parallel/integration', 'config.txt')).toBe('port=2\nport_b=3\n');
  });

  it('--land refuses a dirty checked-out base and moves nothing; lands once it is clean', () => {
    writeFileSync(join(f.repo.dir, 'README.md'), 'local edit\n');
    const mainBefore = f.rev('main');
    const r = f.integrate(['--land']);
    expect(r.code).toBe(1);
    expect(r.data.landed).toBe(false);
    expect(JSON.stringify(r.data)).toContain('uncommitted changes');
    expect(f.rev('main')).toBe(mainBefore);
    expect(readFileSync(join(f.repo.dir, 'README.md'), 'utf8')).toBe('local edit\n');
    f.repo.git(['checkout', '--', 'README.md']);
    const ok = f.integrate(['--land']);
    expect(ok.code, JSON.stringify(ok.data)).toBe(0);
    expect(ok.data.landed).toBe(true);
    expect(f.rev('main')).toBe(f.rev('parallel/integration'));
    expect(readFileSync(join(f.repo.dir, 'config.txt'), 'utf8')).toBe('port=2\nport_b=3\n');
  });
});

const GUARD_PLAN = `version: 1
name: guards
base: main
phases:
  - id: owner
    task: o
    owns: [owner/]
  - id: intruder
    task: i
    owns: [intruder/]
  - id: after
    task: n
    needs: [intruder]
    owns: [after/]
  - id: reviewed
    task: r
    owns: [reviewed/]
  - id: review-it
    reviews: reviewed
  - id: squashed
    task: s
    owns: [squashed/]
`;

describe('integrate: violations, stale reviews, squash merges', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(GUARD_PLAN);
  });
  afterAll(() => f.cleanup());

  it('does not merge a phase whose own commits break ownership, a stale review, and skips a squash-merged phase', () => {
    f.start('owner', 'intruder', 'reviewed', 'squashed');
    f.work('owner', { 'owner/o.txt': 'o\n' });
    f.done('owner');
    f.work('intruder', { 'intruder/i.txt': 'i\n' });
    const bad = f.work('intruder', { 'owner/stolen.txt': 'mine now\n' }, 'sneak', true);
    f.done('intruder');
    f.work('reviewed', { 'reviewed/r.txt': 'r\n' });
    f.done('reviewed');
    f.start('review-it');
    f.ok(['review', 'approve', '-m', 'ok'], { cwd: f.worktree('review-it') });
    f.work('reviewed', { 'reviewed/r2.txt': 'after the review\n' }); // makes the approval stale
    f.work('squashed', { 'squashed/s.txt': 's\n' });
    f.done('squashed');
    f.repo.git(['merge', '--squash', '-q', 'parallel/squashed']);
    f.repo.git(['commit', '-q', '-m', 'squash of squashed']);

    const dry = f.integrate(['--dry-run']);
    expect(dry.code).toBe(1);
    const r = f.integrate();
    expect(r.code).toBe(1);
    expect(r.data.integrated).toEqual(['owner']);
    expect(r.data.already_integrated).toEqual(['squashed']);
    expect(skippedOf(r.data)).toEqual({ intruder: 'violation', after: 'not_done', reviewed: 'review' });
    const v = r.data.skipped.find((s) => s.id === 'intruder')!.detail;
    expect(v).toContain(`${bad.slice(0, 7)} changes owner/stolen.txt (owned by owner)`);
    expect(r.data.skipped.find((s) => s.id === 'reviewed')!.detail).toMatch(/stale review/);
    expect(f.show('parallel/integration', 'owner/stolen.txt')).toBeNull();
    expect(f.show('parallel/integration', 'squashed/s.txt')).toBe('s\n');
    // Every phase commit is still where it was.
    expect(f.rev('parallel/intruder')).toBe(bad);
    const text = f.repo.parallel(['integrate']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('Nothing new to integrate.');
    expect(text.stdout).toContain('Already integrated: owner, squashed (by content: squash-merged)');
    expect(text.stdout).toMatch(/intruder\s+violation\s+[0-9a-f]{7} changes owner\/stolen\.txt/);
  });
});

describe('integrate --dry-run: a file/directory conflict', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'filedir', shared: ['cfg'], phases: letterPhases(2) }));
  });
  afterAll(() => f.cleanup());

  it('names the path, not the name git gives the file it moved aside', () => {
    f.finish({ alpha: { cfg: 'a file\n' }, beta: { 'cfg/x': 'a folder\n' } });
    const dry = f.integrate(['--dry-run']);
    expect(dry.code).toBe(1);
    const beta = dry.data.skipped.find((s) => s.id === 'beta')!;
    expect(beta.reason).toBe('conflict');
    expect(beta.detail).toMatch(/with alpha in cfg\b/);
    expect(beta.detail).not.toContain('~');
  });
});
