/** What a command receives and returns. Commands return data; `main.ts` prints and exits. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal. */
  isTTY: boolean;
  /** Colours are on (a TTY and no NO_COLOR). */
  color: boolean;
}

export type OptionValue = string | boolean | string[] | undefined;

export interface CommandInput {
  /** The command name as typed (several commands share one workflow module). */
  command: string;
  cwd: string;
  /** Positional arguments (after the command name). Everything after `--` is in `rest`. */
  args: string[];
  rest: string[];
  opts: Record<string, OptionValue>;
  json: boolean;
  io: Io;
}

export interface CommandResult {
  /** Defaults to 0. */
  exitCode?: number;
  /** The `--json` payload (without `schema`; main adds it). */
  data?: Record<string, unknown>;
  /** Text printed to stdout without `--json`. */
  text?: string;
  /** The command already printed everything (e.g. `status --watch --json`, one object per poll). */
  streamed?: boolean;
}

export type CommandRun = (input: CommandInput) => Promise<CommandResult>;

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Usage line(s) after `parallel `. */
  usage: string;
  /** Longer help text, printed under the usage. */
  help?: string;
  options: Record<string, OptionSpec>;
  /** Whether the command reports (accepts `--json`). */
  json?: boolean;
  /** Whether arguments after `--` are passed through (`exec`). */
  passthrough?: boolean;
  /** Whether the command runs in the CLI's lean bundle (scripts/build.mjs; docs/ARCHITECTURE.md): it runs all day and needs little. */
  lean?: boolean;
  /** Loads the implementation only when the command runs (start-up cost matters). */
  load: () => Promise<{ run: CommandRun }>;
}
