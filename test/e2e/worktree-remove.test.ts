/**
 * `parallel remove` and `parallel prune` end to end: nothing is ever lost. A dirty worktree is
 * refused (or saved first with --force, and the saved work comes back), a branch is deleted only
 * once integrated, prune clears hand-deleted worktrees and removes integrated phases but never
 * one with changes, and lists what it leaves alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { planRepo, wtPath, worktreeList, branchExists, refs, statusShort, existsSync, readFileSync, join, type TestRepo } from './worktree-fixtures.js';

const PLAN = `version: 1
name: app
copy: [.env]
phases:
  - id: schema
    task: Schema
    owns: [src/db/]
  - id: auth
    task: Auth
    owns: [src/auth/]
  - id: ui
    task: UI
    owns: [src/ui/]
  - id: docs
    task: Docs
    owns: [docs/]
`;

function started(ids: string[]): TestRepo {
  const repo = planRepo(PLAN);
  repo.write('.env', 'SECRET=1\n');
  const r = repo.parallel(['start', ...ids]);
  if (r.code !== 0) throw new Error(r.stderr);
  return repo;
}

/** Merge a phase branch into main the way a user would (a merge commit). */
function mergeIntoMain(repo: TestRepo, id: string): void {
  repo.git(['merge', '-q', '--no-ff', '-m', `merge ${id}`, `parallel/${id}`]);
}

describe('remove', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('refuses a dirty worktree naming the files and changes nothing; --force saves them and they come back', () => {
    repo = started(['schema']);
    const wt = wtPath(repo, 'schema');
    repo.commit({ 'src/db/a.sql': 'v1\n' }, 'a', wt);
    repo.write('src/db/a.sql', 'v2 uncommitted\n', wt);
    repo.write('src/db/new.sql', 'untracked\n', wt);
    repo.write('.parallel/scratch/schema/notes.md', 'my notes\n', wt);
    const before = refs(repo);
    const r = repo.parallel(['remove', 'schema']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has work that removing it would lose:\n {2}modified: {2}src\/db\/a\.sql\n {2}untracked: src\/db\/new\.sql\n {2}scratch: {3}\.parallel\/scratch\/schema\/notes\.md/);
    expect(r.stderr).toMatch(/parallel remove schema --force/);
    expect(existsSync(wt)).toBe(true);
    expect(refs(repo)).toBe(before);

    const f = repo.parallel(['remove', 'schema', '--force']);
    expect(f.code, f.stderr).toBe(0);
    expect(existsSync(wt)).toBe(false);
    expect(branchExists(repo, 'parallel/schema')).toBe(true);
    const saved = /saved its uncommitted work \(3 items\) to (refs\/parallel\/saved\/schema\/\d{8}T\d{6}Z)/.exec(f.stdout)?.[1];
    expect(saved, f.stdout).toBeTruthy();
    expect(repo.rev(`${saved}^`)).toBe(repo.rev('parallel/schema'));
    const hint = /get it back: parallel start schema, then in its worktree: (.*)$/m.exec(f.stdout)![1]!;

    // Start again and run the printed commands: the work is back, uncommitted, as it was.
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    const sh = spawnSync('sh', ['-c', hint], { cwd: wt, env: repo.env, encoding: 'utf8' });
    expect(sh.status, sh.stderr).toBe(0);
    expect(readFileSync(join(wt, 'src/db/a.sql'), 'utf8')).toBe('v2 uncommitted\n');
    expect(readFileSync(join(wt, 'src/db/new.sql'), 'utf8')).toBe('untracked\n');
    expect(readFileSync(join(wt, '.parallel/scratch/schema/notes.md'), 'utf8')).toBe('my notes\n');
    // .env is the fresh copy start made (untracked in the main worktree too).
    expect(statusShort(repo, wt)).toBe(' M src/db/a.sql\n?? .env\n?? src/db/new.sql\n');
  });

  it('removes a clean worktree (its copied .env is no work), keeps the branch, and deletes it only once integrated', () => {
    repo = started(['auth', 'ui']);
    repo.commit({ 'src/auth/login.ts': 'x\n' }, 'login', wtPath(repo, 'auth'));
    repo.commit({ 'src/ui/app.ts': 'x\n' }, 'app', wtPath(repo, 'ui'));
    // Not integrated: refused with --force too, and nothing is removed.
    const refusedDelete = repo.parallel(['remove', 'auth', '--delete-branch', '--force']);
    expect(refusedDelete.code).toBe(1);
    expect(refusedDelete.stderr).toMatch(/not deleting parallel\/auth: auth is not integrated.*no parallel command deletes a commit, --force included/);
    expect(existsSync(wtPath(repo, 'auth'))).toBe(true);

    const plain = repo.parallel(['remove', 'ui']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('kept the branch parallel/ui');
    expect(worktreeList(repo).has(wtPath(repo, 'ui'))).toBe(false);
    expect(branchExists(repo, 'parallel/ui')).toBe(true);

    mergeIntoMain(repo, 'auth');
    expect(repo.parallel(['done', '--phase', 'auth']).code).toBe(0);
    const del = repo.parallel(['remove', 'auth', '--delete-branch']);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toMatch(/deleted the branch parallel\/auth \(integrated by ancestry/);
    expect(branchExists(repo, 'parallel/auth')).toBe(false);
    // The worktree is gone already: --delete-branch alone on ui (not integrated) is still refused.
    expect(repo.parallel(['remove', 'ui', '--delete-branch']).code).toBe(1);
    expect(repo.parallel(['remove', 'ui']).stderr).toMatch(/ui has no worktree on this clone \(its branch parallel\/ui is kept\)/);
    const nope = repo.parallel(['remove', 'nope']);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toMatch(/there is no phase "nope" in the plan committed on main; its phases are: schema, auth, ui, docs\./);
    expect(repo.parallel(['remove']).code).toBe(2);
  });

  it('refuses --delete-branch while the phase is in base but not done (its dependents would wait for good), naming done as the fix', () => {
    repo = started(['auth', 'docs']);
    repo.commit({ 'src/auth/login.ts': 'x\n' }, 'login', wtPath(repo, 'auth'));
    mergeIntoMain(repo, 'auth'); // a pull request merged by hand, no "parallel done"
    for (const id of ['auth', 'docs']) {
      const r = repo.parallel(['remove', id, '--delete-branch']);
      expect(r.code, id).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^parallel: not deleting parallel/${id}: its tip is in main, but ${id} is not done, so it is not integrated`));
      expect(r.stderr).toContain(`parallel done --phase ${id}`);
      expect(branchExists(repo, `parallel/${id}`)).toBe(true);
      expect(existsSync(wtPath(repo, id))).toBe(true);
    }
    expect(repo.parallel(['done', '--phase', 'auth']).code).toBe(0);
    const del = repo.parallel(['remove', 'auth', '--delete-branch']);
    expect(del.code, del.stderr).toBe(0);
    expect(branchExists(repo, 'parallel/auth')).toBe(false);
  });

  it('counts an edited git-ignored copy file (.env) as work: refused, saved by --force, left alone by prune', () => {
    repo = planRepo(PLAN, { files: { '.gitignore': '.env\n' } });
    repo.write('.env', 'SECRET=1\n');
    expect(repo.parallel(['start', 'schema', 'ui']).code).toBe(0);
    const wt = wtPath(repo, 'schema');
    repo.write('.env', 'SECRET=mine\n', wt);
    const r = repo.parallel(['remove', 'schema']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/would lose:\n {2}ignored: {3}\.env/);
    expect(readFileSync(join(wt, '.env'), 'utf8')).toBe('SECRET=mine\n');

    const f = repo.parallel(['remove', 'schema', '--force']);
    expect(f.code, f.stderr).toBe(0);
    const saved = /saved its uncommitted work \(1 item\) to (\S+)/.exec(f.stdout)?.[1];
    expect(saved, f.stdout).toBeTruthy();
    expect(repo.git(['show', `${saved}:.env`]).stdout).toBe('SECRET=mine\n');

    // prune: an integrated phase whose ignored .env was edited keeps its worktree.
    const ui = wtPath(repo, 'ui');
    repo.commit({ 'src/ui/a.ts': 'a\n' }, 'ui work', ui);
    mergeIntoMain(repo, 'ui');
    expect(repo.parallel(['done'], { cwd: ui }).code).toBe(0);
    repo.write('.env', 'SECRET=ui\n', ui);
    const p = repo.parallel(['prune']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/left alone:\n {2}ui: integrated into main, but .* has 1 /);
    expect(readFileSync(join(ui, '.env'), 'utf8')).toBe('SECRET=ui\n');
    // An untouched ignored copy is no work.
    repo.write('.env', 'SECRET=1\n', ui);
    expect(repo.parallel(['prune']).stdout).toMatch(/removed the worktree of ui/);
    expect(existsSync(ui)).toBe(false);
  });

  it('refuses to remove the worktree it runs in, and clears one deleted by hand', () => {
    repo = started(['docs', 'ui']);
    const inside = repo.parallel(['remove', 'docs'], { cwd: wtPath(repo, 'docs') });
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(/this shell is inside the worktree of docs/);
    rmSync(wtPath(repo, 'ui'), { recursive: true, force: true });
    const gone = repo.parallel(['remove', 'ui']);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).toContain(`cleared ui: its worktree ${wtPath(repo, 'ui')} had been deleted by hand`);
    expect(worktreeList(repo).has(wtPath(repo, 'ui'))).toBe(false);
  });
});

describe('prune', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('clears hand-deleted worktrees, removes integrated phases (squash merges too), never one with changes, and lists the rest', () => {
    repo = started(['schema', 'auth', 'ui', 'docs']);
    // schema: merged into main; auth: squash-merged; ui: merged but its worktree has changes;
    // docs: deleted by hand, not integrated. A fresh phase with no commit is not "integrated".
    repo.commit({ 'src/db/a.sql': 'a\n' }, 'schema work', wtPath(repo, 'schema'));
    repo.commit({ 'src/auth/a.ts': 'a\n' }, 'auth work', wtPath(repo, 'auth'));
    repo.commit({ 'src/ui/a.ts': 'a\n' }, 'ui work', wtPath(repo, 'ui'));
    mergeIntoMain(repo, 'schema');
    mergeIntoMain(repo, 'ui');
    repo.git(['merge', '-q', '--squash', 'parallel/auth']);
    repo.git(['commit', '-q', '-m', 'auth, squashed']);
    repo.write('src/ui/wip.ts', 'wip\n', wtPath(repo, 'ui'));
    // Integrated means done and in by refs (the rule status, integrate and start use).
    for (const id of ['schema', 'auth', 'ui']) expect(repo.parallel(['done', '--phase', id]).code).toBe(0);
    rmSync(wtPath(repo, 'docs'), { recursive: true, force: true });

    const r = repo.parallel(['prune']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`cleared docs: its worktree ${wtPath(repo, 'docs')} had been deleted by hand`);
    expect(r.stdout).toMatch(/removed the worktree of schema .*\(integrated into main\)/);
    expect(r.stdout).toMatch(/removed the worktree of auth .*\(integrated into main by content \(squash merge\)\)/);
    expect(r.stdout).toMatch(/left alone:\n {2}ui: integrated into main, but .* has 1 uncommitted, untracked or scratch item/);
    expect(branchExists(repo, 'parallel/schema')).toBe(false);
    expect(branchExists(repo, 'parallel/auth')).toBe(false);
    expect(branchExists(repo, 'parallel/ui')).toBe(true);
    expect(branchExists(repo, 'parallel/docs')).toBe(true);
    expect(existsSync(join(wtPath(repo, 'ui'), 'src/ui/wip.ts'))).toBe(true);
    expect([...worktreeList(repo).keys()].sort()).toEqual([repo.dir, wtPath(repo, 'ui')].sort());

    // A phase started with no commit yet is reachable from main, but not finished: prune leaves it.
    expect(repo.parallel(['start', 'docs']).code).toBe(0);
    const again = repo.parallel(['prune']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/docs: its tip is in main, but it is not done \(nothing of its own to integrate yet\)/);
    expect(existsSync(wtPath(repo, 'docs'))).toBe(true);
  });

  it('removes the reviewer worktree once the reviewed phase is in base, and a dependent still starts after its need was pruned', () => {
    repo = planRepo(`version: 1
name: app
phases:
  - id: db
    task: DB
    owns: [src/db/]
  - id: api
    needs: [db]
    task: API
    owns: [src/api/]
  - id: review-db
    reviews: db
`);
    expect(repo.parallel(['start', 'db']).code).toBe(0);
    repo.commit({ 'src/db/a.sql': 'a\n' }, 'db work', wtPath(repo, 'db'));
    const done = repo.parallel(['done', '-m', 'tables'], { cwd: wtPath(repo, 'db') });
    expect(done.code, done.stderr).toBe(0);
    expect(repo.parallel(['start', 'review-db']).code).toBe(0);
    mergeIntoMain(repo, 'db');
    const r = repo.parallel(['prune']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/removed the worktree of db /);
    expect(r.stdout).toMatch(/deleted the branch parallel\/db \(integrated into main/);
    expect(r.stdout).toMatch(/removed the worktree of review-db .*\(db, which it reviews, is integrated into main\)/);
    expect([...worktreeList(repo).keys()]).toEqual([repo.dir]);
    // Its branch is gone, but db stays integrated: status says so and integrate has nothing to merge.
    const status = repo.json<{ phases: { id: string; state: string }[] }>(['status']);
    expect(status.data.phases.find((p) => p.id === 'db')!.state).toBe('integrated');
    const dry = repo.json<{ order: string[]; integrated: string[] }>(['integrate', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.data.integrated).toEqual([]);
    const api = repo.parallel(['start', 'api']);
    expect(api.code, api.stderr).toBe(0);
    expect(api.stdout).toMatch(/branch parallel\/api from main/);
    expect(existsSync(join(wtPath(repo, 'api'), 'src/db/a.sql'))).toBe(true);
  });
});
