/**
 * A store write remembers what it left at the coordination ref's tip (<common dir>/parallel/
 * store-tip.json, src/store/tip-cache.ts), so the same session's next write, while the ref has
 * not moved, starts fast-import alone. Whatever the cache holds, the history and the record stay
 * exactly what the events say: a moved ref, a damaged cache file or one naming another commit
 * all mean the write reads through git.
 */
import { readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPhase, planRepo, type TestRepo } from './store-fixture.js';

interface Ev { id: string; type: string; phase: string; message?: string }

describe('coordination store tip cache', () => {
  let repo: TestRepo;
  let schema: string;
  let dash: string;
  let cache: string;
  let trace: string;
  beforeAll(() => {
    repo = planRepo();
    schema = addPhase(repo, 'schema');
    dash = addPhase(repo, 'dashboard');
    cache = join(repo.dir, '.git/parallel/store-tip.json');
    trace = join(repo.root, 'git-trace.txt');
  });
  afterAll(() => repo.cleanup());

  /** A heartbeat in `cwd`; returns the git commands it ran (GIT_TRACE to a file). */
  function heartbeat(cwd: string, msg: string): string[] {
    rmSync(trace, { force: true });
    const r = repo.parallel(['heartbeat', '-m', msg], { cwd, env: { GIT_TRACE: trace } });
    expect(r.code, r.stderr).toBe(0);
    return readFileSync(trace, 'utf8').split('\n').filter((l) => /trace: (built-in|exec): git /.test(l)).map((l) => l.replace(/.*trace: (built-in|exec): git /, ''));
  }

  function record(phase: string): { seq: number; message?: string } {
    return JSON.parse(repo.git(['show', `refs/notes/parallel:sessions/${phase}/${phase}.json`]).stdout) as { seq: number; message?: string };
  }

  function events(): Ev[] {
    return JSON.parse(repo.parallel(['log', '--json']).stdout).events as Ev[];
  }

  it('a second write of the same session while the ref stays put asks git only for the compare-and-swap commit', () => {
    heartbeat(schema, 's1');
    expect(existsSync(cache)).toBe(true);
    const cmds = heartbeat(schema, 's2');
    expect(cmds.some((c) => c.startsWith('cat-file'))).toBe(false);
    expect(cmds.some((c) => c.includes('fast-import'))).toBe(true);
    // start + two heartbeats, folded into the record, and all in the history
    expect(record('schema')).toMatchObject({ seq: 3, message: 's2' });
    expect(events().filter((e) => e.phase === 'schema').map((e) => e.message ?? e.type)).toEqual(['start', 's1', 's2']);
  });

  it('reads through git when another session moved the ref, and loses nothing', () => {
    heartbeat(dash, 'd1');
    const cmds = heartbeat(schema, 's3');
    expect(cmds.some((c) => c.startsWith('cat-file'))).toBe(true);
    expect(record('schema')).toMatchObject({ seq: 4, message: 's3' });
    expect(record('dashboard')).toMatchObject({ seq: 2, message: 'd1' });
  });

  it('seals full chunks the same way from the cache (40 heartbeats: every event once, in order)', () => {
    for (let i = 0; i < 40; i++) {
      const r = repo.parallel(['heartbeat', '-m', `bulk${i}`], { cwd: schema });
      expect(r.code, r.stderr).toBe(0);
    }
    const mine = events().filter((e) => e.phase === 'schema' && e.message?.startsWith('bulk'));
    expect(mine.map((e) => e.message)).toEqual(Array.from({ length: 40 }, (_, i) => `bulk${i}`));
    expect(new Set(events().map((e) => e.id)).size).toBe(events().length);
    expect(record('schema').seq).toBe(44);
    const chunks = repo.git(['ls-tree', '-r', '--name-only', 'refs/notes/parallel', 'events/schema/schema/']).stdout.trim().split('\n');
    expect(chunks.length).toBe(2); // one sealed chunk of 32, the open one
  });

  it('ignores a damaged cache file or one for another commit, and writes the true record', () => {
    writeFileSync(cache, '{"tip": "0123');
    const damaged = heartbeat(schema, 'after damage');
    expect(damaged.some((c) => c.startsWith('cat-file'))).toBe(true);
    expect(record('schema')).toMatchObject({ seq: 45, message: 'after damage' });
    // A cache naming a commit the ref is not at: its bodies are never used.
    const tip = repo.git(['rev-parse', 'refs/notes/parallel']).stdout.trim();
    const parent = repo.git(['rev-parse', 'refs/notes/parallel^']).stdout.trim();
    writeFileSync(cache, JSON.stringify({ tip: parent, bodies: { 'sessions/schema/schema.json': '{"seq":1}\n', 'events/schema/schema/open.jsonl': '' } }));
    const other = heartbeat(schema, 'after other');
    expect(other.some((c) => c.startsWith('cat-file'))).toBe(true);
    expect(record('schema')).toMatchObject({ seq: 46, message: 'after other' });
    expect(repo.git(['rev-parse', 'refs/notes/parallel^']).stdout.trim()).toBe(tip);
  });

  /** `status --json` from the main worktree; returns its phases and the git commands it ran. */
  function status(): { phases: { id: string; state: string; message?: string }[]; cmds: string[] } {
    rmSync(trace, { force: true });
    const r = repo.parallel(['status', '--json'], { env: { GIT_TRACE: trace } });
    expect(r.code, r.stderr).toBe(0);
    const cmds = readFileSync(trace, 'utf8').split('\n').filter((l) => /trace: (built-in|exec): git /.test(l)).map((l) => l.replace(/.*trace: (built-in|exec): git /, ''));
    return { phases: (JSON.parse(r.stdout) as { phases: { id: string; state: string; message?: string }[] }).phases, cmds };
  }

  it('status reads the records through git once per tip, and sees every new write', () => {
    const first = status();
    const again = status();
    expect(again.cmds.some((c) => c.startsWith('ls-tree') || c.startsWith('cat-file'))).toBe(false);
    expect(again.phases).toEqual(first.phases);
    heartbeat(dash, 'seen by status');
    const after = status();
    expect(after.cmds.some((c) => c.startsWith('ls-tree'))).toBe(true);
    expect(after.phases.find((p) => p.id === 'dashboard')?.message).toBe('seen by status');
  });

  it('status ignores a damaged records cache or one for another commit', () => {
    const good = status().phases;
    const file = join(repo.dir, '.git/parallel/store-sessions.json');
    writeFileSync(file, '{"tip": "01');
    const damaged = status();
    expect(damaged.cmds.some((c) => c.startsWith('ls-tree'))).toBe(true);
    expect(damaged.phases).toEqual(good);
    const parent = repo.git(['rev-parse', 'refs/notes/parallel^']).stdout.trim();
    writeFileSync(file, JSON.stringify({ tip: parent, bodies: [] }));
    const other = status();
    expect(other.cmds.some((c) => c.startsWith('ls-tree'))).toBe(true);
    expect(other.phases).toEqual(good);
  });
});
