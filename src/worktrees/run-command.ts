/**
 * The module that runs users' commands (`setup`, `exec`, and for integrate/done: `test`,
 * checklist `verify`). Besides `src/git/git.ts` it is the only one that imports child_process.
 *
 * Two modes:
 * - `stream` (setup, tests): the command runs through the shell in its own process group, its
 *   stdout and stderr go to `onOutput` (default: our stderr), stdin is closed. A timeout, or a
 *   Ctrl-C/SIGTERM to us, stops the whole group (SIGTERM, then SIGKILL after a grace period), so
 *   `npm ci` does not leave grandchildren behind. When the command itself ends, the rest of its
 *   group ends too (SIGTERM, then SIGKILL): a test's background servers or watchers must neither
 *   outlive it nor, holding its output pipes open, keep us waiting.
 * - `inherit` (exec): the command shares our terminal and process group, so interactive programs
 *   work and Ctrl-C reaches them directly; we only wait and pass their exit code through.
 */
import { spawn } from 'node:child_process';
import { REPO_ENV } from '../git/git.js';

/** Our environment without repository-redirecting GIT_* variables, plus `extra` (undefined removes). */
export function commandEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of REPO_ENV) delete env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** `stream` (default) or `inherit`; see the module comment. */
  mode?: 'stream' | 'inherit';
  /** Receives output chunks in stream mode (default: written to our stderr). */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Stop the command after this many milliseconds (stream mode). */
  timeoutMs?: number;
  /** Between SIGTERM and SIGKILL when stopping a command (default 3 s). */
  graceMs?: number;
}

export interface RunOutcome {
  /** The command's exit code; null when a signal ended it or it never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** We were interrupted (SIGINT/SIGTERM) while it ran and stopped it. */
  interrupted: boolean;
  /** Set when the command could not be started (e.g. ENOENT). */
  spawnError?: string;
  /** 0 for success, the exit code, 128+signal number, or 127 when it could not be started. */
  code: number;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/**
 * Run `command`: a shell string (run with `sh -c`) or an argv array (run directly, no shell).
 * Never rejects: every way it can end is in the outcome.
 */
export function runCommand(command: string | readonly string[], opts: RunOptions): Promise<RunOutcome> {
  const mode = opts.mode ?? 'stream';
  const grace = opts.graceMs ?? 3000;
  return new Promise((resolve) => {
    const [file, args, shell] = typeof command === 'string' ? [command, [] as string[], true] : [command[0]!, command.slice(1), false];
    let timedOut = false;
    let interrupted = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? commandEnv(),
      shell,
      stdio: mode === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      detached: mode === 'stream',
    });

    const stop = (sig: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        if (mode === 'stream') process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        // already gone
      }
      if (!killTimer) {
        killTimer = setTimeout(() => {
          try {
            if (mode === 'stream') process.kill(-child.pid!, 'SIGKILL');
            else child.kill('SIGKILL');
          } catch {
            // already gone
          }
        }, grace);
        killTimer.unref();
      }
    };
    // In inherit mode the terminal's Ctrl-C reaches the child by itself; we only outlive it.
    const onInt = () => {
      interrupted = true;
      if (mode === 'stream') stop('SIGTERM');
    };
    const onTerm = () => {
      interrupted = true;
      stop('SIGTERM');
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const timer = opts.timeoutMs && mode === 'stream'
      ? setTimeout(() => { timedOut = true; stop('SIGTERM'); }, opts.timeoutMs)
      : undefined;

    if (mode === 'stream') {
      const sink = opts.onOutput ?? ((chunk: Buffer) => { process.stderr.write(chunk); });
      child.stdout!.on('data', (c: Buffer) => sink(c, 'stdout'));
      child.stderr!.on('data', (c: Buffer) => sink(c, 'stderr'));
    }

    const groupAlive = (): boolean => {
      try {
        process.kill(-child.pid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    let exited: { exitCode: number | null; signal: NodeJS.Signals | null } | undefined;
    child.on('exit', (exitCode, signal) => {
      exited = { exitCode, signal };
      if (mode !== 'stream' || child.pid === undefined || !groupAlive()) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
      // Whatever still holds our pipes after the grace period is killed, so 'close' comes.
      killTimer ??= setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }, grace);
    });

    const finish = (outcome: Omit<RunOutcome, 'code' | 'timedOut' | 'interrupted'>) => {
      if (settled) return;
      settled = true;
      // Members that let go of the pipes but ignored SIGTERM: no grace left for them.
      if (mode === 'stream' && exited && child.pid !== undefined && groupAlive()) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      const code = outcome.spawnError !== undefined ? 127
        : outcome.exitCode !== null ? outcome.exitCode
          : 128 + (SIGNAL_NUMBERS[outcome.signal!] ?? 1);
      resolve({ ...outcome, timedOut, interrupted, code });
    };
    child.on('error', (e: NodeJS.ErrnoException) => finish({ exitCode: null, signal: null, spawnError: e.code === 'ENOENT' ? `command not found: ${file}` : e.message }));
    child.on('close', (exitCode, signal) => finish(exited ?? { exitCode, signal }));
  });
}

/** Quote a word for a POSIX shell (only when needed, so simple commands stay readable). */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const SHELL_BUILTINS = new Set(['.', ':', 'alias', 'break', 'cd', 'command', 'continue', 'eval', 'exec', 'exit', 'export', 'readonly', 'return', 'set', 'shift', 'source', 'times', 'trap', 'type', 'ulimit', 'umask', 'unalias', 'unset', 'wait']);

/** The exact shell command that runs the setup line `cmd` in a phase worktree through `parallel exec`. */
export function execRetryCommand(phase: string, cmd: string): string {
  // A plain word list naming a program re-runs the same way without a shell; anything else
  // (quotes, operators, variables, `VAR=x cmd`, shell builtins such as `cd` or `exit`) goes through `sh -c`.
  const words = cmd.trim().split(/\s+/);
  const plain = words.every((w) => /^[A-Za-z0-9_@%+:,./-]+$/.test(w)) && !SHELL_BUILTINS.has(words[0]!);
  return plain ? `parallel exec ${phase} -- ${words.join(' ')}` : `parallel exec ${phase} -- sh -c ${shellQuote(cmd)}`;
}

/** Start a program without waiting for it (`report --open`'s viewer). Resolves false when it cannot start. */
export function startDetached(argv: readonly string[], cwd: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: commandEnv(), stdio: 'ignore', detached: true });
    child.on('error', () => resolve(false));
    child.on('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
