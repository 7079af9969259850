/**
 * End-to-end test scaffolding: real temporary repositories with isolated git config, and the
 * built CLI (`dist/cli/main.js`) run as a user would run it.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, realpathSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');

/**
 * git's exit code for a `git commit` the hooks refuse in a phase worktree: the check runs as the
 * commit moves the branch (reference-transaction), and git reports that as fatal, 128. Only where
 * the repository has a pre-commit of its own (chained by parallel's) is a commit that opens an
 * editor refused in pre-commit: 1.
 */
export const REFUSED_COMMIT = 128;

/** A sandbox HOME with a git config of its own, so the developer's config never leaks in. */
export function sandboxEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('GIT_') || k.startsWith('PARALLEL') || k === 'NO_COLOR' || k === 'HUSKY') continue;
    env[k] = v;
  }
  return {
    ...env,
    HOME: home,
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function toResult(r: SpawnSyncReturns<string>): RunResult {
  if (r.error) throw r.error;
  return { code: r.status ?? (r.signal ? 128 : -1), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export class TestRepo {
  readonly root: string;
  readonly dir: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;

  /** `name` may contain spaces (tests of odd paths). */
  constructor(name = 'repo') {
    this.root = realpathSync(mkdtempSync(join(tmpdir(), 'parallel-test-')));
    this.home = join(this.root, 'home');
    mkdirSync(this.home);
    this.env = sandboxEnv(this.home);
    writeFileSync(join(this.home, '.gitconfig'), '[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n[user]\n\tname = Test\n\temail = test@example.com\n');
    this.dir = join(this.root, name);
    mkdirSync(this.dir);
    this.git(['init', '-q', '-b', 'main']);
  }

  /** Run git in the repo (or `cwd`); throws on failure unless `allowFail`. */
  git(args: string[], opts: { cwd?: string; allowFail?: boolean; env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
    const r = toResult(spawnSync('git', args, { cwd: opts.cwd ?? this.dir, env: { ...this.env, ...opts.env }, encoding: 'utf8', input: opts.input }));
    if (r.code !== 0 && !opts.allowFail) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  }

  /** Run the built CLI. */
  parallel(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeout?: number } = {}): RunResult {
    return toResult(spawnSync(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? this.dir,
      env: { ...this.env, ...opts.env },
      encoding: 'utf8',
      input: opts.input,
      timeout: opts.timeout ?? 120_000,
    }));
  }

  /** Parse `--json` output of a CLI run. */
  json<T = Record<string, unknown>>(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { code: number; data: T; stderr: string } {
    const r = this.parallel([...args, '--json'], opts);
    let data: T;
    try {
      data = JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, data, stderr: r.stderr };
  }

  write(path: string, content: string, cwd = this.dir): void {
    const file = join(cwd, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  /** Write files and commit them. */
  commit(files: Record<string, string>, message = 'change', cwd = this.dir): string {
    for (const [p, c] of Object.entries(files)) this.write(p, c, cwd);
    this.git(['add', '--', ...Object.keys(files)], { cwd });
    this.git(['commit', '-q', '-m', message], { cwd });
    return this.git(['rev-parse', 'HEAD'], { cwd }).stdout.trim();
  }

  rev(ref: string): string {
    return this.git(['rev-parse', ref]).stdout.trim();
  }

  /**
   * Remove the repository, after the background post-commit writers of its phase worktrees have
   * exited: removing files under a writer that is still adding objects fails (ENOTEMPTY), or
   * leaves that writer's files behind.
   */
  cleanup(): void {
    const deadline = Date.now() + 30_000;
    while (backgroundWriters(this.root).length > 0 && Date.now() < deadline) pause(50);
    for (let attempt = 0; ; attempt++) {
      try {
        rmSync(this.root, { recursive: true, force: true });
        return;
      } catch (e) {
        if (attempt >= 20) throw e;
        pause(250);
      }
    }
  }
}

/** Block this thread for `ms` (cleanup runs in synchronous hooks and finally blocks). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Pids of the commit note writers (`node .../hooks/post-commit.js`, started detached by the
 * committed reference-transaction of every commit in a phase worktree, and the hook's subshell
 * before it becomes Node)
 * working in a folder under `root`. Linux's /proc;
 * elsewhere none are seen, and cleanup falls back to retrying.
 */
export function backgroundWriters(root: string): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  return pids.filter((pid) => {
    try {
      if (!/post-commit|reference-transaction/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) return false;
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      return cwd === root || cwd.startsWith(`${root}/`);
    } catch {
      return false; // exited meanwhile, or not ours to read
    }
  }).map(Number);
}

/** Poll `cond` until it holds; throws `what` after `ms` (generous: a loaded machine is slow, a met condition returns at once). */
export async function waitUntil(cond: () => boolean, what: string, ms = 30_000, every = 50): Promise<void> {
  for (const t = Date.now(); !cond(); await new Promise((r) => setTimeout(r, every))) {
    if (Date.now() - t > ms) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
  }
}

/**
 * Wait until the commit note writer, which runs in the background, has written the note of
 * `commit` (a commit in a phase worktree of the repository at `cwd`), and return the note. The
 * same write records the commit's event, so after this the coordination ref, `parallel log` and
 * `status` stay put: a test that compares them before and after something, or syncs them, must
 * not race that writer. Synchronous (set-ups are), so `await` is optional.
 */
export function noteWritten(repo: TestRepo, commit: string, opts: { cwd?: string; ms?: number } = {}): string {
  const ms = opts.ms ?? 30_000;
  for (const t = Date.now(); ; pause(50)) {
    const r = repo.git(['notes', '--ref=parallel', 'show', commit], { cwd: opts.cwd, allowFail: true });
    if (r.code === 0) return r.stdout;
    if (Date.now() - t > ms) throw new Error(`no note for ${commit} after ${ms / 1000} s: the post-commit hook did not write it`);
  }
}

/** SPEC's example plan, used across tests. */
export const SPEC_PLAN = `version: 1
name: client-portal
base: main
phases:
  - id: schema
    task: Database schema for users, projects, files and invoices
    owns: [src/db/, migrations/**]
    exclude: [src/db/generated/**]
    checklist:
      - Create the users table
      - text: Migrations run cleanly
        verify: "true"
  - id: auth
    needs: [schema]
    task: Login, signup and password reset
    owns: [src/auth/, test/auth/]
  - id: dashboard
    needs: [schema]
    task: The dashboard
    owns: [src/dashboard/]
  - id: review-auth
    reviews: auth
    criteria: [No hard-coded secrets, Errors use AUTH_ codes]
`;
