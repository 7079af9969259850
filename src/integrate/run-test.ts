/**
 * Runs the plan's `setup` and `test` commands in integrate's scratch worktree through the shared
 * runner (src/worktrees/run-command.ts: shell, own process group, timeout), with every `GIT_*`
 * variable cleared (a test that runs git must see the scratch worktree, not the caller's
 * repository) and the output appended to a log under the common git dir. The command's process
 * group id is written to a file while it runs, so the run after a `kill -9` of integrate can
 * stop a test that outlived it before reusing the worktree.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { runCommand, shellQuote } from '../worktrees/run-command.js';

export interface CommandOutcome {
  passed: boolean;
  code: number;
  timedOut: boolean;
  interrupted: boolean;
  ms: number;
}

export interface RunTestOptions {
  cwd: string;
  command: string;
  /** Output is appended here. */
  log: string;
  timeoutMs: number;
  /** Records the running process group (removed when it ends). */
  pidFile: string;
  env?: Record<string, string>;
  /** Called every `tickMs` while the command runs (progress lines). */
  onTick?: (elapsedMs: number) => void;
  tickMs?: number;
}

/** The environment for user commands: ours minus every `GIT_*` variable, plus `extra`. */
export function userCommandEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return { ...env, ...extra };
}

export async function runLogged(opts: RunTestOptions): Promise<CommandOutcome> {
  const started = Date.now();
  const fd = openSync(opts.log, 'a');
  writeSync(fd, `$ ${opts.command}\n`);
  const tick = opts.onTick ? setInterval(() => opts.onTick!(Date.now() - started), opts.tickMs ?? 10_000) : undefined;
  try {
    // `$$` is the shell that leads the command's process group (the runner starts it detached).
    const wrapped = `echo $$ > ${shellQuote(opts.pidFile)}\n${opts.command}`;
    const out = await runCommand(wrapped, {
      cwd: opts.cwd,
      env: userCommandEnv(opts.env),
      timeoutMs: opts.timeoutMs,
      onOutput: (chunk) => { writeSync(fd, chunk); },
    });
    const ms = Date.now() - started;
    const how = out.spawnError ?? (out.timedOut ? `timed out after ${(ms / 1000).toFixed(1)}s` : `exit ${out.code}`);
    writeSync(fd, `\n[${how}, ${(ms / 1000).toFixed(1)}s]\n\n`);
    return { passed: out.code === 0 && !out.timedOut, code: out.code, timedOut: out.timedOut, interrupted: out.interrupted, ms };
  } finally {
    if (tick) clearInterval(tick);
    closeSync(fd);
    try {
      unlinkSync(opts.pidFile);
    } catch {
      // never written
    }
  }
}

/** Stop a command left running by a killed integrate (its process group recorded in `pidFile`). */
export function stopOrphan(pidFile: string): boolean {
  let pgid: number;
  try {
    pgid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return false;
  }
  let stopped = false;
  if (Number.isInteger(pgid) && pgid > 1) {
    try {
      process.kill(-pgid, 'SIGKILL');
      stopped = true;
    } catch {
      // gone
    }
  }
  try {
    unlinkSync(pidFile);
  } catch {
    // gone
  }
  return stopped;
}

/** The last `n` lines of a log (to show why a test failed). */
export function tail(file: string, n: number): string {
  try {
    const lines = readFileSync(file, 'utf8').replace(/\n+$/, '').split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '';
  }
}
