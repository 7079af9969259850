/**
 * Commit notes through the real pipeline: `parallel init` (hooks, notes config), `parallel start`,
 * a plain `git commit` in the phase worktree. The committed reference-transaction starts the note
 * writer in the background; every command sees the commit at once from the branch.
 */
import { join } from 'node:path';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo, SPEC_PLAN, ROOT, phaseOf, type StatusJson } from './store-fixture.js';
import { backgroundWriters, noteWritten, waitUntil } from '../helpers/repo.js';

describe('commit notes from a real commit', () => {
  let repo: TestRepo;
  let wt: string;

  beforeAll(() => {
    repo = new TestRepo('portal');
    repo.commit({ '.parallel.yml': SPEC_PLAN }, 'plan');
    const init = repo.parallel(['init']);
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
    const start = repo.parallel(['start', 'schema']);
    if (start.code !== 0) throw new Error(`start failed: ${start.stderr}`);
    wt = join(repo.root, 'portal-schema');
  });
  afterAll(() => repo.cleanup());

  it('a commit is seen at once and gets its note just after', async () => {
    expect(repo.parallel(['heartbeat', '-p', '30', '-m', 'users table'], { cwd: wt }).code).toBe(0);
    const c = repo.commit({ 'src/db/users.sql': 'create table users();\n' }, 'users table', wt);
    // Seen at once, from the branch itself.
    expect(phaseOf(repo.json<StatusJson>(['status']).data, 'schema')).toMatchObject({ commits: 1, state: 'running' });
    const text = await noteWritten(repo, c);
    expect(text).toBe('phase: schema\nsession: schema\nmessage: users table\n');
    // Plain `git log` shows it (init set notes.displayRef).
    expect(repo.git(['log', '-1', c], { cwd: wt }).stdout).toMatch(/Notes \(parallel\):\n {4}phase: schema\n {4}session: schema/);
    const events = repo.json<{ events: { type: string; commit?: string }[] }>(['log', 'schema']).data.events;
    expect(events.map((e) => e.type)).toEqual(['start', 'heartbeat', 'commit']);
    expect(events[2]!.commit).toBe(c);
  });

  it('commit events carry the commit time: quick commits are logged in commit order, however late their writers run', async () => {
    // The first commit's background writer is held back for a second (a busy machine).
    const slow = join(repo.root, 'slow-start.cjs');
    repo.write('slow-start.cjs', 'const end = Date.now() + 1200; while (Date.now() < end) {}\n', repo.root);
    const quick = (n: number, env: NodeJS.ProcessEnv = {}) => {
      repo.write(`src/db/q${n}.sql`, `${n}\n`, wt);
      repo.git(['add', '--', `src/db/q${n}.sql`], { cwd: wt });
      repo.git(['commit', '-q', '-m', `q${n}`], { cwd: wt, env });
      return repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
    };
    const commits = [quick(1, { NODE_OPTIONS: `--require ${slow}` }), quick(2), quick(3)];
    for (const c of commits) await noteWritten(repo, c); // each writer records its event with the note
    const events = repo.json<{ events: { type: string; at: string; commit?: string }[] }>(['log', 'schema']).data.events;
    const logged = events.filter((e) => e.type === 'commit' && commits.includes(e.commit!)).map((e) => ({ at: e.at, commit: e.commit! }));
    expect(logged.map((e) => e.commit)).toEqual(commits);
    for (const e of logged) {
      const second = Number(repo.git(['log', '-1', '--format=%ct', e.commit]).stdout.trim()) * 1000;
      expect(Date.parse(e.at) - second, e.at).toBeGreaterThanOrEqual(0);
      expect(Date.parse(e.at) - second, e.at).toBeLessThan(1000);
    }
  });

  it('a commit still gets its note when parallel\'s files moved since the hooks were installed', async () => {
    // The installed hooks name the dist they came from; point that at nothing, and let the hook
    // find parallel the way pre-commit does: in the main worktree's node_modules.
    const hooks = join(repo.dir, '.git', 'parallel', 'hooks');
    const files = ['parallel.sh', 'reference-transaction'].map((f) => join(hooks, f));
    const originals = files.map((f) => readFileSync(f, 'utf8'));
    try {
      files.forEach((f, i) => {
        expect(originals[i]).toMatch(/^pl_dist=/m);
        writeFileSync(f, originals[i]!.replace(/^pl_dist=.*$/m, "pl_dist='/nonexistent/parallel/dist'"));
      });
      mkdirSync(join(repo.dir, 'node_modules'), { recursive: true });
      symlinkSync(ROOT, join(repo.dir, 'node_modules', 'git-parallel'));
      const c = repo.commit({ 'src/db/moved.sql': 'x\n' }, 'after a move', wt);
      const text = await noteWritten(repo, c);
      expect(text).toMatch(/^phase: schema\nsession: schema\n/);
    } finally {
      files.forEach((f, i) => writeFileSync(f, originals[i]!));
      rmSync(join(repo.dir, 'node_modules'), { recursive: true, force: true });
    }
  });

  it('HEAD moved without a commit gets no note; commits made without our pre-commit get theirs', async () => {
    const headOf = () => repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
    const noteOf = (c: string) => repo.git(['notes', '--ref=parallel', 'show', c], { allowFail: true });
    // --no-verify runs no pre-commit, so no token vouches for it: HEAD's reflog says it was a commit.
    repo.write('src/db/nv.sql', 'nv\n', wt);
    repo.git(['add', '--', 'src/db/nv.sql'], { cwd: wt });
    repo.git(['commit', '-q', '--no-verify', '-m', 'no verify'], { cwd: wt });
    expect(await noteWritten(repo, headOf())).toMatch(/^phase: schema\nsession: schema\n/);
    // A commit of base checked out here, detached, and a reset onto it: HEAD moved twice, and the
    // writer ran for each (the transactions moved HEAD), but no commit was made here.
    const own = headOf();
    const baseTip = repo.git(['rev-parse', 'main']).stdout.trim();
    expect(noteOf(baseTip).code).not.toBe(0);
    repo.git(['checkout', '-q', '--detach', baseTip], { cwd: wt });
    repo.git(['checkout', '-q', 'parallel/schema'], { cwd: wt });
    repo.git(['reset', '-q', '--hard', baseTip], { cwd: wt });
    await waitUntil(() => backgroundWriters(repo.root).length === 0, 'the note writers to finish');
    expect(noteOf(baseTip).code).not.toBe(0);
    repo.git(['reset', '-q', '--hard', own], { cwd: wt });
    // A cherry-pick makes a commit: noted.
    repo.git(['switch', '-q', '-c', 'side'], { cwd: wt });
    repo.write('src/db/picked.sql', 'p\n', wt);
    repo.git(['add', '--', 'src/db/picked.sql'], { cwd: wt });
    repo.git(['commit', '-q', '--no-verify', '-m', 'to pick'], { cwd: wt });
    const side = headOf();
    repo.git(['switch', '-q', 'parallel/schema'], { cwd: wt });
    repo.git(['cherry-pick', side], { cwd: wt });
    expect(await noteWritten(repo, headOf())).toMatch(/^phase: schema\nsession: schema\n/);
    repo.git(['branch', '-D', 'side'], { cwd: wt });
  });

  it('an amended commit keeps a note', async () => {
    repo.write('src/db/users.sql', 'create table users(id int);\n', wt);
    repo.git(['commit', '-q', '-a', '--amend', '--no-edit'], { cwd: wt });
    const amended = repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
    const text = await noteWritten(repo, amended);
    expect(text).toMatch(/^phase: schema\nsession: schema\n/);
  });

  it('rebased commits carry their notes: notes.rewriteRef alone, and with the hooks', async () => {
    const own = () => repo.git(['rev-list', '--reverse', 'main..HEAD'], { cwd: wt }).stdout.trim().split('\n');
    const NOTE = /^phase: schema\nsession: schema\n(message: [^\n]*\n)?$/;
    const before = own();
    for (const c of before) expect(await noteWritten(repo, c), c).toMatch(NOTE);
    // Without any hook (no note writer starts): the notes follow through notes.rewriteRef,
    // which init set, at once.
    repo.commit({ 'README.md': 'base moved\n' }, 'base moves');
    expect(repo.git(['-c', 'core.hooksPath=/dev/null', 'rebase', '-q', 'main'], { cwd: wt, allowFail: true }).code).toBe(0);
    const bare = own();
    expect(bare).toHaveLength(before.length);
    for (const c of bare) {
      expect(before).not.toContain(c);
      expect(repo.git(['notes', '--ref=parallel', 'show', c]).stdout, c).toMatch(NOTE);
    }
    // A plain rebase (the writer notes every picked commit too): one note each, not two.
    repo.commit({ 'README.md': 'base moved again\n' }, 'base moves again');
    const r = repo.git(['rebase', '-q', 'main'], { cwd: wt, allowFail: true });
    expect(r.code, r.stderr).toBe(0);
    const after = own();
    expect(after).toHaveLength(before.length);
    // The notes came at once (notes.rewriteRef); wait for the note writers' events, each
    // written with its note, before reading the notes again.
    const logged = () => new Set(repo.json<{ events: { commit?: string }[] }>(['log', 'schema']).data.events.map((e) => e.commit));
    await waitUntil(() => { const l = logged(); return after.every((c) => l.has(c)); }, 'a commit event of every rebased commit', 30_000, 100);
    for (const c of after) {
      expect(bare).not.toContain(c);
      expect(repo.git(['notes', '--ref=parallel', 'show', c]).stdout, c).toMatch(NOTE);
    }
  });
});

describe('commit notes where git keeps no reflog', () => {
  it('a revert and a --no-verify commit get their notes with core.logAllRefUpdates=false', async () => {
    const repo = new TestRepo('noreflog');
    try {
      repo.commit({ '.parallel.yml': SPEC_PLAN }, 'plan');
      repo.git(['config', 'core.logAllRefUpdates', 'false']);
      expect(repo.parallel(['init']).code).toBe(0);
      expect(repo.parallel(['start', 'schema']).code).toBe(0);
      const wt = join(repo.root, 'noreflog-schema');
      const headOf = () => repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
      repo.commit({ 'src/db/a.sql': 'a\n' }, 'a', wt);
      await noteWritten(repo, headOf());
      repo.git(['revert', '--no-edit', 'HEAD'], { cwd: wt });
      expect(await noteWritten(repo, headOf())).toMatch(/^phase: schema\nsession: schema\n/);
      repo.write('src/db/nv.sql', 'nv\n', wt);
      repo.git(['add', '--', 'src/db/nv.sql'], { cwd: wt });
      repo.git(['commit', '-q', '--no-verify', '-m', 'nv'], { cwd: wt });
      expect(await noteWritten(repo, headOf())).toMatch(/^phase: schema\nsession: schema\n/);
    } finally {
      repo.cleanup();
    }
  });
});

