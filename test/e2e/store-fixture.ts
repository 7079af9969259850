/**
 * Shared set-up for the coordination store's end-to-end tests: a repository with SPEC's plan
 * committed on main, and phase worktrees made the way `parallel start` makes them (a linked
 * worktree on `parallel/<id>` with its marker), so these tests do not depend on `start`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo, SPEC_PLAN, CLI, ROOT } from '../helpers/repo.js';

export { TestRepo, SPEC_PLAN, CLI, ROOT };

export function planRepo(plan = SPEC_PLAN, name = 'repo'): TestRepo {
  const repo = new TestRepo(name);
  repo.commit({ '.parallel.yml': plan, 'README.md': 'hello\n' }, 'plan');
  repo.git(['config', 'parallel.base', 'main']);
  return repo;
}

/**
 * A linked worktree for `phase` with its marker and a recorded `start`, like `parallel start`
 * leaves it (`start: false`: the worktree only, a phase nobody started).
 */
export function addPhase(repo: TestRepo, phase: string, opts: { session?: string; reviewer?: boolean; at?: string; start?: boolean } = {}): string {
  const dir = join(repo.root, `wt-${phase}`);
  if (opts.reviewer) repo.git(['worktree', 'add', '-q', '--detach', dir, 'main']);
  else repo.git(['worktree', 'add', '-q', '-b', `parallel/${phase}`, dir, 'main']);
  const gitDir = repo.git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: dir }).stdout.trim();
  writeFileSync(join(gitDir, 'parallel-phase'), `phase=${phase}\nsession=${opts.session ?? phase}\nworkspace=client-portal\n${opts.reviewer ? 'reviewer=1\n' : ''}`);
  if (opts.start !== false) apiStart(repo, dir, phase, opts.session);
  return dir;
}

/** Record an event through the programmatic API (as `parallel start` would record `start`). */
export function apiStart(repo: TestRepo, cwd: string, phase: string, session?: string): void {
  const script = `import('${join(ROOT, 'dist/api.js')}').then(async (m) => { const t = new m.SessionTracker({ phase: ${JSON.stringify(phase)}${session ? `, session: ${JSON.stringify(session)}` : ''} }); await t.start(); })`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd, env: repo.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`start failed: ${r.stderr}`);
}

/** Run the built CLI asynchronously (for concurrent writers). */
export function parallelAsync(repo: TestRepo, args: string[], cwd = repo.dir, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...repo.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export interface StatusJson {
  counts: Record<string, number>;
  phases: Record<string, unknown>[];
  [k: string]: unknown;
}

export function phaseOf(data: StatusJson, id: string): Record<string, unknown> {
  const p = data.phases.find((x) => x.id === id);
  if (!p) throw new Error(`no phase ${id} in ${JSON.stringify(data)}`);
  return p;
}
