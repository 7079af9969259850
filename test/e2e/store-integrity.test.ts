/**
 * The coordination store keeps every event: concurrent writers (compare-and-swap), a status read
 * while they write, `gc --prune=now`, a stale lock (a clear error, not a hang), commit notes that
 * follow amend and rebase, and a layout readable with plain git.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRepo, addPhase, parallelAsync, phaseOf, ROOT, SPEC_PLAN, type StatusJson, type TestRepo } from './store-fixture.js';

const POST_COMMIT = join(ROOT, 'dist/hooks/post-commit.js');
const WRITERS = Number(process.env.PARALLEL_TEST_WRITERS ?? 6);
const EACH = Number(process.env.PARALLEL_TEST_EACH ?? 5);

function postCommit(repo: TestRepo, cwd: string, commit: string): void {
  const r = spawnSync(process.execPath, [POST_COMMIT, commit], { cwd, env: repo.env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

function note(repo: TestRepo, commit: string): string {
  return repo.git(['notes', '--ref=parallel', 'show', commit], { allowFail: true }).stdout;
}

describe('coordination store integrity', () => {
  let repo: TestRepo;
  let auth: string;
  let dash: string;

  beforeAll(() => {
    repo = planRepo(SPEC_PLAN);
    auth = addPhase(repo, 'auth');
    dash = addPhase(repo, 'dashboard');
  });
  afterAll(() => repo.cleanup());

  it(`keeps all ${WRITERS * EACH} heartbeats of ${WRITERS} concurrent writers, while status reads`, async () => {
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      const cwd = w % 2 ? auth : dash;
      const results = [];
      for (let i = 0; i < EACH; i++) results.push(await parallelAsync(repo, ['heartbeat', '-p', String(i), '-m', `w${w}-${i}`], cwd));
      return results;
    });
    const reads: { code: number; stderr: string }[] = [];
    const reader = (async () => {
      for (let i = 0; i < 4; i++) {
        const r = await parallelAsync(repo, ['status', '--json']);
        reads.push({ code: r.code, stderr: r.stderr });
        if (r.code === 0) expect(JSON.parse(r.stdout).counts.total).toBe(4);
      }
    })();
    const all = (await Promise.all(writers)).flat();
    await reader;
    expect(all.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    expect(reads.filter((r) => r.code !== 0)).toEqual([]);
    const events = repo.json<{ events: { message: string; id: string; type: string }[] }>(['log']).data.events;
    const messages = new Set(events.map((e) => e.message));
    for (let w = 0; w < WRITERS; w++) for (let i = 0; i < EACH; i++) expect(messages.has(`w${w}-${i}`), `w${w}-${i}`).toBe(true);
    expect(events.filter((e) => e.type === 'heartbeat').length).toBe(WRITERS * EACH);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    // Records count every event of their session (its start included).
    const records = repo.git(['ls-tree', '-r', '--name-only', 'refs/notes/parallel', 'sessions/']).stdout.trim().split('\n');
    const seqs = records.map((p) => JSON.parse(repo.git(['cat-file', 'blob', `refs/notes/parallel:${p}`]).stdout).seq as number);
    expect(seqs.reduce((a, b) => a + b, 0)).toBe(WRITERS * EACH + records.length);
  });

  it('keeps events in small chunks, readable with plain git', () => {
    // 33 heartbeats from one process through the programmatic API: more than one chunk's worth.
    const script = `import('${join(ROOT, 'dist/api.js')}').then(async (m) => { const t = new m.SessionTracker(); for (let i = 0; i < 33; i++) await t.heartbeat({ message: 'chunk-' + i }); })`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: auth, env: repo.env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = repo.git(['ls-tree', '-r', '-l', 'refs/notes/parallel', 'events/auth/auth/']).stdout.trim().split('\n');
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.some((f) => f.endsWith('/open.jsonl'))).toBe(true);
    for (const f of files) expect(Number(f.split(/\s+/)[3])).toBeLessThan(32 * 400);
    const open = repo.git(['cat-file', 'blob', 'refs/notes/parallel:events/auth/auth/open.jsonl']).stdout;
    expect(open.split('\n')[0]).toMatch(/^\{"at":"\d{4}-/);
  });

  it('writes a commit note and a commit event after a commit, and git log shows them', () => {
    expect(repo.parallel(['heartbeat', '-p', '50', '-m', 'refresh tokens'], { cwd: auth }).code).toBe(0);
    const c = repo.commit({ 'src/auth/token.ts': 'export {}\n' }, 'tokens', auth);
    postCommit(repo, auth, c);
    expect(note(repo, c)).toBe('phase: auth\nsession: auth\nmessage: refresh tokens\n');
    expect(repo.git(['log', '-1', '--notes=parallel', c]).stdout).toMatch(/Notes \(parallel\):\n\s+phase: auth/);
    const last = repo.json<{ events: { type: string; commit?: string }[] }>(['log', 'auth']).data.events.at(-1);
    expect(last).toMatchObject({ type: 'commit', commit: c });
    // A note never disturbs the non-note entries (and vice versa).
    expect(repo.git(['ls-tree', '--name-only', 'refs/notes/parallel']).stdout).toMatch(/^events$/m);
  });

  it('keeps commit notes through amend and rebase (notes.rewriteRef)', () => {
    repo.git(['config', 'notes.rewriteRef', 'refs/notes/parallel']);
    repo.git(['config', 'notes.rewriteMode', 'overwrite']);
    const c1 = repo.commit({ 'src/auth/a.ts': '1\n' }, 'a', auth);
    postCommit(repo, auth, c1);
    repo.write('src/auth/a.ts', '2\n', auth);
    repo.git(['commit', '-q', '-a', '--amend', '-m', 'a amended'], { cwd: auth });
    const amended = repo.git(['rev-parse', 'HEAD'], { cwd: auth }).stdout.trim();
    expect(note(repo, amended)).toMatch(/^phase: auth\nsession: auth\n/);
    repo.commit({ 'other.txt': 'x\n' }, 'base moves');
    repo.git(['rebase', '-q', 'main'], { cwd: auth });
    const rebased = repo.git(['rev-parse', 'HEAD'], { cwd: auth }).stdout.trim();
    expect(rebased).not.toBe(amended);
    expect(note(repo, rebased)).toMatch(/^phase: auth\nsession: auth\n/);
  });

  it('loses nothing to gc --prune=now and notes prune', () => {
    const before = repo.json<{ events: unknown[] }>(['log']).data.events.length;
    const status = repo.json<StatusJson>(['status']).data;
    repo.git(['gc', '-q', '--prune=now']);
    repo.git(['notes', '--ref=parallel', 'prune']);
    expect(repo.json<{ events: unknown[] }>(['log']).data.events.length).toBe(before);
    const after = repo.json<StatusJson>(['status']).data;
    expect(phaseOf(after, 'auth').message).toBe(phaseOf(status, 'auth').message);
    expect(repo.git(['fsck', '--no-progress']).code).toBe(0);
  });

  it('a stale lock on the ref gives a clear error after bounded retries, not a hang', () => {
    const lock = join(repo.dir, '.git/refs/notes/parallel.lock');
    writeFileSync(lock, '');
    try {
      const t = Date.now();
      const r = repo.parallel(['heartbeat', '-m', 'blocked'], { cwd: dash, env: { PARALLEL_LOCK_WAIT_MS: '800' }, timeout: 30_000 });
      expect(Date.now() - t).toBeLessThan(15_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/parallel: refs\/notes\/parallel is locked by .*parallel\.lock.*remove it with "rm '/);
    } finally {
      rmSync(lock, { force: true });
    }
    expect(repo.parallel(['heartbeat', '-m', 'unblocked'], { cwd: dash }).code).toBe(0);
  });
});
