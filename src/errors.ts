/** Exit codes are part of the contract (SPEC "Exit codes"). */
export const ExitCode = {
  ok: 0,
  refused: 1,
  usage: 2,
  timedOut: 3,
  busy: 4,
  /** A session needs a person (`status --wait` returned because a phase is waiting). */
  needsPerson: 5,
  internal: 70,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'refused'
  | 'usage'
  | 'invalid_plan'
  | 'timed_out'
  | 'busy'
  | 'not_found'
  | 'conflict'
  | 'dirty'
  | 'violation'
  | 'git'
  | 'internal';

/**
 * The one error type for users: a message that says what happened and how to fix it, and the
 * exit code it maps to. `src/cli/main.ts` is the only place that turns it into an exit.
 */
export class ParallelError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly code: ErrorCode;
  /** Extra JSON fields for `--json` error output (e.g. `problems`). */
  readonly details?: Record<string, unknown>;

  constructor(message: string, opts: { exitCode?: ExitCodeValue; code?: ErrorCode; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'ParallelError';
    this.exitCode = opts.exitCode ?? ExitCode.refused;
    this.code = opts.code ?? (this.exitCode === ExitCode.usage ? 'usage' : 'refused');
    this.details = opts.details;
  }
}

export function usageError(message: string): ParallelError {
  return new ParallelError(message, { exitCode: ExitCode.usage, code: 'usage' });
}

export function refused(message: string, code: ErrorCode = 'refused'): ParallelError {
  return new ParallelError(message, { exitCode: ExitCode.refused, code });
}
