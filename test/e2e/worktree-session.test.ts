/**
 * The session-scoped commands in real phase worktrees: whoami, scratch, env, exec and brief.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { planRepo, wtPath, statusShort, existsSync, join, CLI, type TestRepo } from './worktree-fixtures.js';

const PLAN = `version: 1
name: portal
ports: { base: 3100 }
shared: [package-lock.json]
test: npm test
phases:
  - id: schema
    task: Database schema for users and invoices
    owns: [src/db/]
    checklist:
      - Create the users table
      - text: Migrations run cleanly
        verify: "true"
  - id: auth
    needs: [schema]
    task: Login and signup
    owns: [src/auth/]
  - id: billing
    task: Invoices
    owns: [src/billing/, "it's/"]
  - id: review-auth
    reviews: auth
    criteria: [No hard-coded secrets]
`;

describe('session commands', () => {
  let repo: TestRepo;
  let schema: string;
  beforeAll(() => {
    repo = planRepo(PLAN);
    const r = repo.parallel(['start', 'schema', 'billing']);
    if (r.code !== 0) throw new Error(r.stderr);
    schema = wtPath(repo, 'schema');
  });
  afterAll(() => repo.cleanup());

  it('whoami prints phase and session from the worktree marker, and exits 1 elsewhere', () => {
    const r = repo.json<{ phase: string; session: string; workspace: string; reviewer: boolean; branch: string; worktree: string }>(['whoami'], { cwd: join(schema) });
    expect(r.code).toBe(0);
    expect(r.data).toMatchObject({ phase: 'schema', session: 'schema', workspace: 'portal', reviewer: false, branch: 'parallel/schema', worktree: schema });
    const text = repo.parallel(['whoami'], { cwd: schema });
    expect(text.stdout).toMatch(/^phase\s+schema\nsession\s+schema\n/);
    const outside = repo.parallel(['whoami']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/is not a phase worktree \(it is the main worktree/);
    const json = repo.json<{ ok: boolean; error: { code: string } }>(['whoami']);
    expect(json.code).toBe(1);
    expect(json.data).toMatchObject({ ok: false, error: { code: 'refused' } });
  });

  it('scratch creates the session folder, ignored by git; --phase finds it from the main worktree', () => {
    const r = repo.parallel(['scratch'], { cwd: join(schema, '.parallel') });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(join(schema, '.parallel/scratch/schema'));
    repo.write('.parallel/scratch/schema/notes.md', 'todo\n', schema);
    expect(statusShort(repo, schema)).toBe('');
    expect(repo.parallel(['scratch', '--phase', 'billing']).stdout.trim()).toBe(join(wtPath(repo, 'billing'), '.parallel/scratch/billing'));
    const none = repo.parallel(['scratch', '--phase', 'auth']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/phase auth has no worktree on this clone\. Start it with "parallel start auth"/);
    expect(repo.parallel(['scratch']).code).toBe(1);
  });

  it('env prints shell exports a shell can eval', () => {
    const r = repo.parallel(['env'], { cwd: schema });
    expect(r.stdout.trim()).toBe("export PARALLEL_PHASE='schema'\nexport PARALLEL_SESSION='schema'\nexport PORT='3100'");
    const sh = spawnSync('sh', ['-c', `eval "$("${process.execPath}" "${CLI}" env --phase billing)"; echo "$PARALLEL_PHASE $PARALLEL_SESSION $PORT"`], { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
    expect(sh.stdout.trim()).toBe('billing billing 3102');
  });

  it('exec runs the command in the worktree with the session environment and passes its exit code', () => {
    const r = repo.parallel(['exec', 'billing', '--', 'sh', '-c', 'echo "$PWD|$PARALLEL_PHASE|$PARALLEL_SESSION|$PORT|${GIT_DIR-unset}"; exit 7'], { env: { GIT_DIR: join(repo.dir, '.git') } });
    expect(r.code).toBe(7);
    expect(r.stdout.trim()).toBe(`${wtPath(repo, 'billing')}|billing|billing|3102|unset`);
    const git = repo.parallel(['exec', 'schema', '--', 'git', 'rev-parse', '--abbrev-ref', 'HEAD']);
    expect(git.stdout.trim()).toBe('parallel/schema');
    expect(repo.parallel(['exec', 'schema']).code).toBe(2);
    expect(repo.parallel(['exec', 'schema', 'ls']).stderr).toMatch(/put the command after "--"/);
    const missing = repo.parallel(['exec', 'schema', '--', 'no-such-command-xyz']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/command not found: no-such-command-xyz/);
    expect(repo.parallel(['exec', 'auth', '--', 'true']).code).toBe(1);
  });

  it('an id the committed plan lacks is a usage error (exit 2) listing its phases, for exec, env and scratch', () => {
    for (const args of [['exec', 'zz', '--', 'ls'], ['env', '--phase', 'zz'], ['scratch', '--phase', 'zz']]) {
      const r = repo.parallel(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^parallel: there is no phase "zz" in the plan committed on main; its phases are: schema, auth, billing, review-auth\./);
      expect(r.stderr).not.toMatch(/parallel start zz/);
    }
    // A phase of the plan without a worktree here is still exit 1 with "start it".
    expect(repo.parallel(['env', '--phase', 'auth']).stderr).toMatch(/parallel start auth/);
  });

  it('--json after "--" belongs to the command exec runs: errors stay text', () => {
    const r = repo.parallel(['exec', 'zz', '--', 'tool', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^parallel: there is no phase "zz"/);
    // A command with --json still gets its error as JSON.
    const status = repo.parallel(['status', '--json', '--interval', 'x']);
    expect(JSON.parse(status.stdout)).toMatchObject({ schema: 1, ok: false });
  });

  it('the brief holds task, owned, shared and do-not-touch paths, needs, checklist, port, scratch and commands', () => {
    const r = repo.parallel(['brief', 'auth']);
    expect(r.code, r.stderr).toBe(0);
    const b = r.stdout;
    expect(b).toMatch(/^# Brief: auth \(portal\)/);
    expect(b).toContain('Login and signup');
    expect(b).toMatch(/## You own[^\n]*\n- `src\/auth\/`/);
    expect(b).toMatch(/## Shared[^\n]*\n- `package-lock.json`/);
    // billing may run at the same time as auth; schema (a need) and the reviewer may not.
    expect(b).toMatch(/do not touch\n- billing: `src\/billing\/`, `it's\/`\n\n/);
    expect(b).toMatch(/## Built on\n- \*\*schema\*\*: Database schema/);
    expect(b).toContain('- PORT 3101');
    expect(b).toContain('`.parallel/scratch/auth/`');
    expect(b).toContain('`parallel done -m "what you delivered"`');
    expect(b).toContain('`npm test`');
    expect(b.split('\n').length).toBeLessThan(50);
    const own = repo.parallel(['brief'], { cwd: schema });
    expect(own.stdout).toMatch(/1\. \[ \] Create the users table\n2\. \[ \] Migrations run cleanly \(checked by `true`/);
    expect(repo.parallel(['brief']).code).toBe(2);
    expect(repo.parallel(['brief', 'nope']).code).toBe(2);
  });

  it('the brief is live: decisions, ticked items and what a needed phase delivered', () => {
    expect(repo.parallel(['decide', 'Use UUIDs for ids']).code).toBe(0);
    expect(repo.parallel(['task', '1'], { cwd: schema }).code).toBe(0);
    expect(repo.parallel(['done', '-m', 'users and invoices tables'], { cwd: schema }).code).toBe(0);
    const auth = repo.parallel(['brief', 'auth']).stdout;
    expect(auth).toMatch(/## Decisions so far\n- \d{4}-\d\d-\d\d \d\d:\d\d Use UUIDs for ids/);
    expect(auth).toContain('  Done: users and invoices tables');
    expect(repo.parallel(['brief', 'schema']).stdout).toContain('1. [x] Create the users table');
    const reviewer = repo.parallel(['brief', 'review-auth']).stdout;
    expect(reviewer).toMatch(/reviewing phase \*\*auth\*\*/);
    expect(reviewer).toContain('- No hard-coded secrets');
    expect(reviewer).toContain('parallel review approve -m');
    expect(existsSync(join(schema, '.parallel/BRIEF.md'))).toBe(true);
  });
});
