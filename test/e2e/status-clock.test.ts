/**
 * Staleness on the reader's clock: a commit's own date (anyone can set it) never counts later
 * than the moment its event was recorded, and a stale phase says how long it was silent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_AUTH_PLAN, planRepo, wtPath, type TestRepo } from './worktree-fixtures.js';
import { noteWritten } from '../helpers/repo.js';

interface Row { id: string; state: string; last_heartbeat: string | null }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a commit dated in the future', () => {
  let repo: TestRepo;
  let wt: string;
  let before: number;
  let commit: string;
  beforeAll(async () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    wt = wtPath(repo, 'schema');
    before = Date.now();
    repo.write('src/db/a.sql', 'create table a;\n', wt);
    repo.git(['add', '.'], { cwd: wt });
    repo.git(['commit', '-q', '-m', 'from the future'], { cwd: wt, env: { GIT_COMMITTER_DATE: '2030-01-01T00:00:00Z' } });
    commit = repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
    await noteWritten(repo, commit);
  });
  afterAll(() => repo.cleanup());

  it('records its commit event at the moment it was recorded, not in 2030', () => {
    const events = repo.json<{ events: { type: string; at: string; commit?: string }[] }>(['log', 'schema']).data.events;
    const ev = events.find((e) => e.type === 'commit' && e.commit === commit)!;
    expect(ev).toBeDefined();
    expect(Date.parse(ev.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(ev.at)).toBeLessThanOrEqual(Date.now());
  });

  it('lets the phase go stale by the reader\'s clock, and says for how long', async () => {
    await sleep(2100);
    const { data } = repo.json<{ phases: Row[] }>(['status', '--heartbeat-timeout', '1s']);
    const row = data.phases.find((p) => p.id === 'schema')!;
    expect(row.state).toBe('stale');
    expect(Date.parse(row.last_heartbeat!)).toBeLessThanOrEqual(Date.now());
    const text = repo.parallel(['status', '--heartbeat-timeout', '1s']).stdout;
    // Silent since the commit was recorded: at least the 2 s slept, at most since before it was made.
    const silent = Number(/STALE: no heartbeat for (\d+)s/.exec(text)?.[1]);
    expect(silent, text).toBeGreaterThanOrEqual(2);
    expect(silent, text).toBeLessThanOrEqual(Math.round((Date.now() - before + 1000) / 1000));
    expect(text).not.toMatch(/just now/);
  });
});

describe('a commit dated in the past', () => {
  let repo: TestRepo;
  let wt: string;
  let before: number;
  let commit: string;
  beforeAll(async () => {
    repo = planRepo(SCHEMA_AUTH_PLAN);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    wt = wtPath(repo, 'schema');
    await sleep(1100);
    before = Date.now();
    repo.write('src/db/b.sql', 'create table b;\n', wt);
    repo.git(['add', '.'], { cwd: wt });
    repo.git(['commit', '-q', '-m', 'from 2001'], { cwd: wt, env: { GIT_COMMITTER_DATE: '2001-01-01T00:00:00Z' } });
    commit = repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
    await noteWritten(repo, commit);
  });
  afterAll(() => repo.cleanup());

  it('counts as a heartbeat when it was recorded, and the log lists it after the start', () => {
    const events = repo.json<{ events: { type: string; at: string; commit?: string }[] }>(['log', 'schema']).data.events;
    expect(events.map((e) => e.type)).toEqual(['start', 'commit']);
    expect(Date.parse(events[1]!.at)).toBeGreaterThanOrEqual(before - 1000);
    const row = repo.json<{ phases: Row[] }>(['status']).data.phases.find((p) => p.id === 'schema')!;
    expect(Date.parse(row.last_heartbeat!)).toBeGreaterThanOrEqual(before - 1000);
  });
});
