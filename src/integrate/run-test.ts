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
import { processStart } from './lock.js';

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
    // With its start time (field 22 of /proc/<pid>/stat, where there is one), so that a later
    // run does not kill a process group that merely reuses the number.
    const wrapped = `echo "$$ $(cut -d' ' -f22 /proc/$$/stat 2>/dev/null)" > ${shellQuote(opts.pidFile)}\n${opts.command}`;
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

/**
 * Stop a command left running by a killed integrate (its process group recorded in `pidFile`,
 * with the leader's start time). A leader that runs with another (or no recorded) start time
 * is an unrelated process that reuses the pid: left alone. A leader that is gone while its group lives still
 * names our group (a pid is not handed out while it is a live group's id).
 */
export function stopOrphan(pidFile: string): boolean {
  let pgid: number;
  let recorded: string | undefined;
  try {
    const [pid, start] = readFileSync(pidFile, 'utf8').trim().split(/\s+/);
    pgid = Number(pid);
    recorded = start || undefined;
  } catch {
    return false;
  }
  let stopped = false;
  const now = Number.isInteger(pgid) && pgid > 1 ? processStart(pgid) : undefined;
  if (Number.isInteger(pgid) && pgid > 1 && (now === undefined || now === recorded)) {
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
