/**
 * `parallel start` end to end: real linked worktrees, markers, copied files, setup output,
 * ports, needs, all-or-nothing, rollback of a git failure, Ctrl-C during setup.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import {
  SCHEMA_AUTH_PLAN, planRepo, wtPath, worktreeList, marker, branchExists, refs, statusShort,
  existsSync, readFileSync, join, CLI, type TestRepo,
} from './worktree-fixtures.js';

const THREE = `version: 1
name: shop
ports: { base: 4100 }
copy: [.env, config/local/]
setup:
  - echo "setup of $PARALLEL_PHASE as $PARALLEL_SESSION"
  - printf '%s' "$PORT" > .parallel/port
phases:
  - id: api
    task: The API
    owns: [src/api/]
  - id: web
    task: The web app
    owns: [src/web/]
  - id: docs
    task: Documentation
    owns: [docs/]
`;

describe('start --ready on a 3-phase plan', () => {
  let repo: TestRepo;
  let first: ReturnType<TestRepo['parallel']>;
  beforeAll(() => {
    repo = planRepo(THREE, { files: { 'config/tracked.json': '{}\n', '.env': 'TRACKED=0\n' } });
    // An untracked local config folder, and .env: tracked in the repo, modified in the main worktree.
    repo.write('config/local/dev.json', '{"db":"dev"}\n');
    repo.write('.env', 'SECRET=main-only\n');
    first = repo.parallel(['start', '--ready', '--meta', 'model=opus']);
  });
  afterAll(() => repo.cleanup());

  it('creates a branch and a linked worktree per phase, marked with phase, session and workspace', () => {
    expect(first.code, first.stderr).toBe(0);
    const list = worktreeList(repo);
    for (const id of ['api', 'web', 'docs']) {
      expect(list.get(wtPath(repo, id))).toBe(`refs/heads/parallel/${id}`);
      expect(marker(repo, wtPath(repo, id))).toEqual({ phase: id, session: id, workspace: 'shop' });
      expect(repo.rev(`parallel/${id}`)).toBe(repo.rev('main'));
    }
    expect(first.stdout).toMatch(/started api: .*repo-api \(branch parallel\/api from main, session api, PORT 4100\)/);
    // Each start is recorded: the dashboard shows the phases running, with the --meta pairs.
    const { data } = repo.json<{ phases: { id: string; state: string; session: string; metadata: Record<string, string> }[] }>(['status']);
    expect(data.phases.map((p) => [p.id, p.state, p.metadata])).toEqual([
      ['api', 'running', { model: 'opus' }], ['web', 'running', { model: 'opus' }], ['docs', 'running', { model: 'opus' }],
    ]);
  });

  it('copies untracked files but never overwrites a tracked one', () => {
    const api = wtPath(repo, 'api');
    expect(readFileSync(join(api, 'config/local/dev.json'), 'utf8')).toBe('{"db":"dev"}\n');
    expect(readFileSync(join(api, '.env'), 'utf8')).toBe('TRACKED=0\n');
  });

  it('streams setup output under a progress line per phase, with distinct ports', () => {
    expect(first.stderr).toContain('[1/3] api: echo "setup of $PARALLEL_PHASE as $PARALLEL_SESSION"');
    expect(first.stderr).toContain('[3/3] docs: printf');
    expect(first.stderr).toContain('setup of web as web');
    const ports = ['api', 'web', 'docs'].map((id) => readFileSync(join(wtPath(repo, id), '.parallel/port'), 'utf8'));
    expect(ports).toEqual(['4100', '4101', '4102']);
  });

  it('writes the brief and leaves the worktree clean in git status', () => {
    const web = wtPath(repo, 'web');
    const brief = readFileSync(join(web, '.parallel/BRIEF.md'), 'utf8');
    expect(brief).toContain('The web app');
    expect(brief).toContain('`src/api/`');
    expect(existsSync(join(web, '.parallel/scratch/web'))).toBe(true);
    // config/local/ is untracked in main too: everything else, brief and scratch included, is invisible.
    expect(statusShort(repo, web)).toBe('?? config/local/dev.json\n');
    expect(readFileSync(join(repo.dir, '.git/info/exclude'), 'utf8')).toMatch(/^\/\.parallel\/$/m);
  });

  it('starting a started phase again changes nothing and says where it is (exit 0)', () => {
    const before = refs(repo);
    const again = repo.parallel(['start', 'api']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`api is already started at ${wtPath(repo, 'api')} (session api); nothing changed.`);
    expect(again.stderr).not.toContain('[1/');
    expect(refs(repo)).toBe(before);
    const ready = repo.parallel(['start', '--ready']);
    expect(ready.code).toBe(0);
    expect(ready.stdout).toMatch(/no phase is ready to start:\n {2}api: already started/);
  });
});

const NEEDS = `${SCHEMA_AUTH_PLAN}  - id: ui
    task: UI
    owns: [src/ui/]
`;

describe('needs', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('refuses a phase whose needs are not integrated, naming them; with several phases none starts', () => {
    repo = planRepo(NEEDS);
    const r = repo.parallel(['start', 'ui', 'auth']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/auth: it needs schema, not integrated yet/);
    expect(r.stderr).toMatch(/Nothing was started/);
    expect(branchExists(repo, 'parallel/ui')).toBe(false);
    expect(worktreeList(repo).size).toBe(1);
    // --wave 2 is the same refusal; --ready starts what it can and exits 0.
    expect(repo.parallel(['start', '--wave', '2']).code).toBe(1);
    const ready = repo.parallel(['start', '--ready']);
    expect(ready.code, ready.stderr).toBe(0);
    expect(ready.stdout).toMatch(/auth: it needs schema/);
    expect(branchExists(repo, 'parallel/schema') && branchExists(repo, 'parallel/ui')).toBe(true);
    // A started need with no commit yet is "reachable from base" but has delivered nothing.
    expect(repo.parallel(['start', 'auth']).code).toBe(1);
  });

  it('starts from base once the need is merged there, and from the integration branch when it is ahead', () => {
    repo = planRepo(NEEDS);
    expect(repo.parallel(['start', 'schema']).code).toBe(0);
    repo.commit({ 'src/db/schema.sql': 'create table t;\n' }, 'schema', wtPath(repo, 'schema'));
    // Integrated through the integration branch only: auth starts from it.
    repo.git(['branch', 'parallel/integration', 'main']);
    const wt = join(repo.root, 'merge-wt');
    repo.git(['worktree', 'add', '-q', '--detach', wt, 'parallel/integration']);
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge schema', 'parallel/schema'], { cwd: wt });
    repo.git(['update-ref', 'refs/heads/parallel/integration', 'HEAD'], { cwd: wt });
    repo.git(['worktree', 'remove', '--force', wt]);
    // Merged by hand: it counts as integrated once it is done, as for status and integrate.
    expect(repo.parallel(['start', 'auth']).stderr).toMatch(/auth: it needs schema, not integrated yet/);
    expect(repo.parallel(['done', '--phase', 'schema', '-m', 'merged by hand']).code).toBe(0);
    const r = repo.parallel(['start', 'auth']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/branch parallel\/auth from parallel\/integration/);
    expect(repo.rev('parallel/auth')).toBe(repo.rev('parallel/integration'));
    expect(existsSync(join(wtPath(repo, 'auth'), 'src/db/schema.sql'))).toBe(true);
  });
});

describe('failures while creating', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('refuses the reserved id "integration" as a session id (exit 2)', () => {
    repo = planRepo(NEEDS);
    const r = repo.parallel(['start', 'schema', '--session', 'integration']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"integration" is reserved and cannot be a session id/);
    expect(branchExists(repo, 'parallel/schema')).toBe(false);
  });

  it('refuses a "worktrees" template inside the repository (check and start exit 2; nothing is made)', () => {
    repo = planRepo(NEEDS.replace('name: app', 'name: app\nworktrees: "wt/{phase}"'));
    const check = repo.parallel(['check']);
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/"worktrees: wt\/\{phase\}" puts phase worktrees inside the repository/);
    const start = repo.parallel(['start', 'schema']);
    expect(start.code).toBe(2);
    // An absolute path (or the repository's folder named literally) is caught with the real location.
    repo.commit({ '.parallel.yml': NEEDS.replace('name: app', `name: app\nworktrees: "${repo.dir}/x/{phase}"`) }, 'abs');
    expect(repo.parallel(['check']).code).toBe(2);
    const abs = repo.parallel(['start', 'schema']);
    expect(abs.code).toBe(2);
    expect(abs.stderr).toMatch(/puts phase worktrees inside the repository/);
    expect(branchExists(repo, 'parallel/schema')).toBe(false);
    expect([...worktreeList(repo).keys()]).toEqual([repo.dir]);
    expect(statusShort(repo, repo.dir)).toBe('');
  });

  it('a git error leaves no half-made worktree and no orphan branch, for every phase of the run', () => {
    repo = planRepo(NEEDS.replace('name: app', 'name: app\nworktrees: ../{phase}-wt/tree'));
    // ui's folder cannot be made (a file where its parent should be); schema's can.
    writeFileSync(join(repo.root, 'ui-wt'), 'in the way\n');
    const r = repo.parallel(['start', 'schema', 'ui']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not create the worktree of ui at .*ui-wt\/tree/);
    expect(r.stderr).toMatch(/\(schema\) were removed again; nothing was started/);
    expect(branchExists(repo, 'parallel/schema')).toBe(false);
    expect(branchExists(repo, 'parallel/ui')).toBe(false);
    expect([...worktreeList(repo).keys()]).toEqual([repo.dir]);
    expect(existsSync(join(repo.root, 'schema-wt/tree'))).toBe(false);
  });

  it('Ctrl-C while worktrees are being made takes back every one made so far', async () => {
    repo = planRepo(NEEDS);
    // Enough files that each checkout takes a moment.
    for (let d = 0; d < 4; d++) repo.write(`big/${d}/files.txt`, 'x\n');
    for (let i = 0; i < 3000; i++) repo.write(`big/${i % 4}/f${i}.txt`, `${i}\n`);
    repo.git(['add', 'big']);
    repo.git(['commit', '-q', '-m', 'big']);
    const child = spawn(process.execPath, [CLI, 'start', 'schema', 'ui'], { cwd: repo.dir, env: repo.env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    await waitFor(() => existsSync(join(wtPath(repo, 'schema'), '.git')), 20_000, 5);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(code).toBe(1);
    expect(stderr).toMatch(/start was interrupted/);
    expect(stderr).toMatch(/nothing was started/);
    expect(branchExists(repo, 'parallel/schema') || branchExists(repo, 'parallel/ui')).toBe(false);
    expect([...worktreeList(repo).keys()]).toEqual([repo.dir]);
  });

  it('a failing setup keeps the worktree and prints the exact retry commands', () => {
    repo = planRepo(`version: 1
name: app
setup: ["echo one > .parallel/one", "exit 3", "echo 'it''s done' > .parallel/three"]
phases:
  - id: solo
    task: Solo
    owns: [src/]
`);
    const r = repo.parallel(['start', 'solo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('setup of solo failed: "exit 3" exited with 3');
    expect(r.stderr).toContain('  parallel exec solo -- sh -c \'exit 3\'');
    expect(r.stderr).toContain(`  parallel exec solo -- sh -c 'echo '\\''it'\\'''\\''s done'\\'' > .parallel/three'`);
    const wt = wtPath(repo, 'solo');
    expect(marker(repo, wt).phase).toBe('solo');
    expect(readFileSync(join(wt, '.parallel/one'), 'utf8')).toBe('one\n');
    // The printed command, run as printed, finishes the setup.
    const line = r.stderr.split('\n').find((l) => l.includes('three'))!.trim();
    const sh = shRun(repo, line.replace(/^parallel /, `"${process.execPath}" "${CLI}" `));
    expect(sh.code, sh.stderr).toBe(0);
    expect(readFileSync(join(wt, '.parallel/three'), 'utf8')).toBe('its done\n');
  });

  it('Ctrl-C during setup stops it and leaves a started, consistent phase', async () => {
    repo = planRepo(`version: 1
name: app
setup: ["echo $$ > .parallel/setup.pid; sleep 120"]
phases:
  - id: slow
    task: Slow
    owns: [src/]
`);
    const child = spawn(process.execPath, [CLI, 'start', 'slow'], { cwd: repo.dir, env: repo.env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const pidFile = join(wtPath(repo, 'slow'), '.parallel/setup.pid');
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(Date.now() - t0).toBeLessThan(30_000); // stopped, not waited for (a loaded machine is slow)
    expect(code).toBe(1);
    expect(stderr).toMatch(/setup of slow was interrupted/);
    expect(stderr).toContain('parallel exec slow -- sh -c');
    const setupPid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(setupPid)).toBe(false);
    expect(marker(repo, wtPath(repo, 'slow'))).toMatchObject({ phase: 'slow', session: 'slow' });
    const again = repo.parallel(['start', 'slow']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already started/);
  });
});

function shRun(repo: TestRepo, line: string): { code: number; stderr: string } {
  const r = spawnSync('sh', ['-c', line], { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
  return { code: r.status ?? -1, stderr: r.stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms = 20_000, every = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, every));
  }
}
