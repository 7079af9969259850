/**
 * The one door to git. Every git process in `parallel` is spawned here: argument arrays (never
 * a shell string), a cleaned environment, and one error type carrying args, cwd, exit code and
 * stderr. Callers put `--end-of-options` before user-supplied names and ask for `-z` output.
 */
import { spawn, spawnSync } from 'node:child_process';

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly cwd: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    super(`git ${args.join(' ')} failed (exit ${exitCode}) in ${cwd}: ${stderr.trim() || stdout.trim()}`);
    this.name = 'GitError';
  }
}

export interface GitOptions {
  cwd: string;
  /** Data written to git's standard input. */
  input?: string | Buffer;
  /** Extra environment entries (merged over the cleaned environment). */
  env?: Record<string, string | undefined>;
  /**
   * Keep the caller's GIT_DIR / GIT_INDEX_FILE / GIT_WORK_TREE. Only hooks that inspect the
   * commit being made want this (GIT-FACTS: `commit -a` stages into `index.lock`). Everything
   * aimed at another worktree must drop them: an inherited GIT_DIR beats `-C`.
   */
  keepRepoEnv?: boolean;
  /** Exit codes that are not errors (e.g. [0, 1] for `merge-tree`, `diff --quiet`). */
  okCodes?: readonly number[];
}

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Variables that would redirect git away from the repository the caller named with `cwd`. */
export const REPO_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_PREFIX'];
/** Variables that change what a pathspec means (GIT-FACTS: they turn `:(glob)` off). */
const PATHSPEC_ENV = ['GIT_LITERAL_PATHSPECS', 'GIT_ICASE_PATHSPECS', 'GIT_GLOB_PATHSPECS', 'GIT_NOGLOB_PATHSPECS'];

export function gitEnv(opts: Pick<GitOptions, 'env' | 'keepRepoEnv'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!opts.keepRepoEnv) for (const k of REPO_ENV) delete env[k];
  for (const k of PATHSPEC_ENV) delete env[k];
  // Never stop for an editor or a credential prompt: parallel runs unattended.
  env.GIT_EDITOR = 'true';
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  // Replace refs (refs/replace/*, which any session may write) must never change what parallel
  // judges, merges, tests or lands: every git call sees the objects as they are.
  env.GIT_NO_REPLACE_OBJECTS = '1';
  if (opts.env) for (const [k, v] of Object.entries(opts.env)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Run git synchronously; throws GitError unless the exit code is in `okCodes` (default [0]). */
export function git(args: readonly string[], opts: GitOptions): GitResult {
  const res = spawnSync('git', args, {
    cwd: opts.cwd,
    env: gitEnv(opts),
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 512,
  });
  if (res.error) throw new GitError(args, opts.cwd, null, String(res.error.message), '');
  const exitCode = res.status ?? 128;
  const result = { stdout: res.stdout ?? '', stderr: res.stderr ?? '', exitCode };
  if (!(opts.okCodes ?? [0]).includes(exitCode)) {
    throw new GitError(args, opts.cwd, exitCode, result.stderr, result.stdout);
  }
  return result;
}

/** Run git and return its standard output as bytes (a blob that may not be UTF-8). */
export function gitBytes(args: readonly string[], opts: GitOptions): Buffer {
  const res = spawnSync('git', args, { cwd: opts.cwd, env: gitEnv(opts), input: opts.input, maxBuffer: 1024 * 1024 * 512 });
  if (res.error) throw new GitError(args, opts.cwd, null, String(res.error.message), '');
  const exitCode = res.status ?? 128;
  if (!(opts.okCodes ?? [0]).includes(exitCode)) throw new GitError(args, opts.cwd, exitCode, res.stderr?.toString('utf8') ?? '', '');
  return res.stdout ?? Buffer.alloc(0);
}

/** Run git and return trimmed stdout. */
export function gitOut(args: readonly string[], opts: GitOptions): string {
  return git(args, opts).stdout.replace(/\n$/, '');
}

/** Run git, returning null instead of throwing when it exits non-zero. */
export function gitTry(args: readonly string[], opts: GitOptions): string | null {
  const res = git(args, { ...opts, okCodes: [0, 1, 128, 129] });
  return res.exitCode === 0 ? res.stdout.replace(/\n$/, '') : null;
}

/** Run git asynchronously (for concurrent work such as many `merge-tree` calls). */
export function gitAsync(args: readonly string[], opts: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: opts.cwd, env: gitEnv(opts), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new GitError(args, opts.cwd, null, e.message, '')));
    child.on('close', (code) => {
      const result = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: code ?? 128 };
      if (!(opts.okCodes ?? [0]).includes(result.exitCode)) reject(new GitError(args, opts.cwd, result.exitCode, result.stderr, result.stdout));
      else resolve(result);
    });
    // git may exit before reading its stdin (EPIPE); the exit code above is what counts.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Split `-z` output into its entries (the trailing NUL yields no empty entry). */
export function splitZ(out: string): string[] {
  if (out === '') return [];
  const parts = out.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * Hooks off for parallel's own ref writes: the reference-transaction hook of a phase worktree
 * refuses a session's moves of base, other branches and refs/parallel/*, not parallel's.
 */
export const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];

/** The all-zero object id git uses for "no value" in ref updates. */
export const ZERO_OID = '0000000000000000000000000000000000000000';
