import type { CommandInput, CommandResult } from '../cli/types.js';
import { ParallelError, ExitCode } from '../errors.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  throw new ParallelError(`parallel: "${input.command}" is not available in this build yet.`, { exitCode: ExitCode.internal, code: 'internal' });
}
