/**
 * `parallel sync` end to end: a clone plus sync sees the same status; two clones syncing
 * concurrently to one bare remote lose no event and double none; commit notes travel too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRepo, addPhase, apiStart, parallelAsync, phaseOf, SPEC_PLAN, TestRepo, type StatusJson } from './store-fixture.js';

type Log = { events: { id: string; message?: string }[] };

describe('sync between clones', () => {
  let repo: TestRepo;
  let remote: string;
  let clone: string;

  beforeAll(() => {
    repo = planRepo(SPEC_PLAN);
    remote = join(repo.root, 'remote.git');
    repo.git(['init', '-q', '--bare', '-b', 'main', remote]);
    repo.git(['remote', 'add', 'origin', remote]);
    repo.git(['push', '-q', 'origin', 'main']);
    clone = join(repo.root, 'clone');
    repo.git(['clone', '-q', remote, clone]);
    repo.git(['config', 'parallel.base', 'main'], { cwd: clone });
  });
  afterAll(() => repo.cleanup());

  it('refuses a remote that does not exist, with the fix', () => {
    const r = repo.parallel(['sync', 'nowhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/there is no remote "nowhere" \(remotes: origin\)/);
  });

  it('a clone plus sync sees the same status, commits included', () => {
    const schema = addPhase(repo, 'schema');
    expect(repo.parallel(['heartbeat', '-p', '70', '-m', 'tables'], { cwd: schema }).code).toBe(0);
    const c = repo.commit({ 'src/db/t.sql': 't\n' }, 'tables', schema);
    expect(repo.parallel(['done', '-m', 'tables done'], { cwd: schema }).code).toBe(0);
    repo.git(['notes', '--ref=parallel', 'add', '-m', 'phase: schema', c]);
    const push = repo.parallel(['sync']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/pushed/);
    expect(push.stdout).toMatch(/Pushed phase branches: parallel\/schema/);
    // The clone had no notes at all (clones carry none) until it syncs.
    expect(repo.git(['for-each-ref', 'refs/notes/'], { cwd: clone }).stdout).toBe('');
    expect(repo.parallel(['sync'], { cwd: clone }).code).toBe(0);
    const here = repo.json<StatusJson>(['status']).data;
    const there = repo.json<StatusJson>(['status'], { cwd: clone }).data;
    const strip = (d: StatusJson) => d.phases.map((p) => ({ ...p, worktree: null }));
    expect(strip(there)).toEqual(strip(here));
    expect(phaseOf(there, 'schema')).toMatchObject({ state: 'done', commits: 1, message: 'tables done' });
    expect(repo.git(['notes', '--ref=parallel', 'show', c], { cwd: clone }).stdout).toBe('phase: schema\n');
  });

  it('two clones syncing at once to one bare remote lose nothing and double nothing', async () => {
    const write = (cwd: string, phase: string, n: number) => Array.from({ length: n }, (_, i) => ['heartbeat', '--phase', phase, '-m', `${phase}-${i}`]).reduce<Promise<unknown>>(
      (p, args) => p.then(() => parallelAsync(repo, args, cwd)), Promise.resolve());
    // Each clone starts the phase it reports for (session commands need a started session).
    apiStart(repo, repo.dir, 'auth');
    apiStart(repo, clone, 'dashboard');
    await Promise.all([write(repo.dir, 'auth', 4), write(clone, 'dashboard', 4)]);
    const rounds = await Promise.all([
      parallelAsync(repo, ['sync']), parallelAsync(repo, ['sync'], clone),
    ]);
    for (const r of rounds) expect(r.code, r.stderr).toBe(0);
    // Each side syncs once more to take what the other pushed last.
    expect(repo.parallel(['sync']).code).toBe(0);
    expect(repo.parallel(['sync'], { cwd: clone }).code).toBe(0);
    const a = repo.json<Log>(['log']).data.events;
    const b = repo.json<Log>(['log'], { cwd: clone }).data.events;
    expect(a.map((e) => e.id)).toEqual(b.map((e) => e.id));
    expect(new Set(a.map((e) => e.id)).size).toBe(a.length);
    const msgs = a.map((e) => e.message);
    for (let i = 0; i < 4; i++) {
      expect(msgs.filter((m) => m === `auth-${i}`)).toHaveLength(1);
      expect(msgs.filter((m) => m === `dashboard-${i}`)).toHaveLength(1);
    }
    // Records were re-folded from the union: each clone sees both phases running.
    const s = repo.json<StatusJson>(['status'], { cwd: clone }).data;
    expect(phaseOf(s, 'auth')).toMatchObject({ state: 'running', message: 'auth-3' });
    expect(phaseOf(s, 'dashboard')).toMatchObject({ state: 'running', message: 'dashboard-3' });
    // A phase started in the other clone is not "missing" here.
    expect(s.counts.missing).toBe(0);
    // Both histories meet in merge commits; the remote holds the union.
    const remoteLog = new TestRepo('check');
    try {
      remoteLog.git(['fetch', '-q', remote, 'refs/notes/parallel:refs/notes/parallel']);
      const files = remoteLog.git(['ls-tree', '-r', '--name-only', 'refs/notes/parallel', 'events/']).stdout;
      expect(files).toMatch(/events\/auth\/auth\//);
      expect(files).toMatch(/events\/dashboard\/dashboard\//);
    } finally {
      remoteLog.cleanup();
    }
  });

  it('many concurrent syncs with writes in between converge', async () => {
    const jobs: Promise<{ code: number; stderr: string }>[] = [];
    for (let i = 0; i < 3; i++) {
      jobs.push(parallelAsync(repo, ['heartbeat', '--phase', 'auth', '-m', `late-a-${i}`]).then(() => parallelAsync(repo, ['sync'])));
      jobs.push(parallelAsync(repo, ['heartbeat', '--phase', 'dashboard', '-m', `late-b-${i}`], clone).then(() => parallelAsync(repo, ['sync'], clone)));
    }
    for (const r of await Promise.all(jobs)) expect(r.code, r.stderr).toBe(0);
    expect(repo.parallel(['sync']).code).toBe(0);
    expect(repo.parallel(['sync'], { cwd: clone }).code).toBe(0);
    const a = repo.json<Log>(['log']).data.events.map((e) => e.id);
    const b = repo.json<Log>(['log'], { cwd: clone }).data.events.map((e) => e.id);
    expect(a).toEqual(b);
    const msgs = repo.json<Log>(['log']).data.events.map((e) => e.message);
    for (let i = 0; i < 3; i++) {
      expect(msgs.filter((m) => m === `late-a-${i}`)).toHaveLength(1);
      expect(msgs.filter((m) => m === `late-b-${i}`)).toHaveLength(1);
    }
  });
});
