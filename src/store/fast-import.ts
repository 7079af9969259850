/**
 * One compare-and-swap write to the coordination ref: a single `git fast-import` process builds a
 * commit on the tip the writer read (`from <tip>`, or no parent when the ref did not exist) and
 * moves the ref only if it still points there (fast-import refuses an update that does not
 * contain the current tip; GIT-FACTS: 200/200 writes kept with 8 concurrent writers).
 * Its `N` command writes commit notes with git's own fan-out; `M`/`D` write the other paths.
 */
import { git } from '../git/git.js';
import { STORE_REF } from './layout.js';

export type ImportOp =
  | { op: 'M'; path: string; content: string }
  | { op: 'D'; path: string }
  | { op: 'N'; commit: string; content: string };

export interface ImportRequest {
  /** The tip the change was computed from; null when the ref does not exist yet. */
  from: string | null;
  /** A second parent (sync: the remote's tip). */
  merge?: string;
  message: string;
  ops: readonly ImportOp[];
}

export type ImportOutcome =
  /** `tip`: the commit the ref now points at (fast-import's `get-mark`). */
  | { ok: true; tip?: string }
  | { ok: false; reason: 'moved' }
  | { ok: false; reason: 'locked'; lockFile: string }
  | { ok: false; reason: 'error'; stderr: string };

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

function header(message: string, now: Date): string {
  return `feature done\ncommit ${STORE_REF}\nmark :1\ncommitter parallel <parallel@localhost> ${Math.floor(now.getTime() / 1000)} +0000\n${data(message)}`;
}

function body(ops: readonly ImportOp[]): string {
  const parts: string[] = [];
  for (const op of ops) {
    if (op.op === 'M') parts.push(`M 100644 inline ${quotePath(op.path)}\n`, data(op.content));
    else if (op.op === 'D') parts.push(`D ${quotePath(op.path)}\n`);
    else parts.push(`N inline ${op.commit}\n`, data(op.content));
  }
  // The new commit's name on stdout, so the writer knows what the ref points at after it.
  parts.push('\nget-mark :1\ndone\n');
  return parts.join('');
}

export function importStream(req: ImportRequest, now: Date = new Date()): string {
  return `${header(req.message, now)}${req.from ? `from ${req.from}\n` : ''}${req.merge ? `merge ${req.merge}\n` : ''}${body(req.ops)}`;
}

/** Paths are ids we validate ([a-z0-9_-]), so quoting only guards against the unexpected. */
function quotePath(p: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(p) ? p : JSON.stringify(p);
}

function outcomeOf(exitCode: number, stdout: string, stderr: string): ImportOutcome {
  if (exitCode === 0) {
    const tip = /^[0-9a-f]{40,64}$/m.exec(stdout)?.[0];
    return tip ? { ok: true, tip } : { ok: true };
  }
  const lock = /Unable to create '([^']+\.lock)': File exists/.exec(stderr);
  if (lock) return { ok: false, reason: 'locked', lockFile: lock[1]! };
  if (/Not updating .* does not contain|cannot lock ref|is at .* but expected/.test(stderr)) return { ok: false, reason: 'moved' };
  return { ok: false, reason: 'error', stderr: stderr.trim() };
}

export function runImport(cwd: string, req: ImportRequest): ImportOutcome {
  // Hooks off: the only ref this writes is the coordination ref, which no hook of ours judges, and
  // reference-transaction would otherwise run four times per write (~8 ms on every heartbeat).
  const res = git(['-c', 'core.hooksPath=/dev/null', 'fast-import', '--quiet', '--done'], { cwd, input: importStream(req), okCodes: [0, 1, 128] });
  return outcomeOf(res.exitCode, res.stdout, res.stderr);
}
