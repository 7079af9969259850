#!/usr/bin/env node
/**
 * The entry point: parse argv, load the command, print its result, map errors to exit codes.
 * The only place that decides the process's exit code.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { COMMANDS, findCommand } from './commands.js';
import type { CommandSpec, Io, OptionValue } from '../command.js';
import { ParallelError, ExitCode } from '../errors.js';
import { colorEnabled } from './colors.js';
import { fullBundleRun } from '../lean.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'parallel: run several coding sessions on one git repository at once.',
    '',
    'Usage: parallel <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "parallel <command> --help" for a command\'s options.',
    'Exit codes: 0 ok, 1 refused or failed, 2 bad usage or invalid plan, 3 timed out, 4 busy, 5 a session needs a person, 70 internal error.',
  ].join('\n');
}

function commandHelp(spec: CommandSpec): string {
  const lines = [`Usage: parallel ${spec.usage}`, '', spec.summary[0]!.toUpperCase() + spec.summary.slice(1) + '.'];
  if (spec.help) lines.push('', spec.help);
  const opts = Object.entries(spec.options);
  if (opts.length) {
    lines.push('', 'Options:');
    const rows = opts.map(([name, o]) => [`${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' VALUE' : ''}`, o.description] as const);
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [left, right] of rows) lines.push(`  ${left.padEnd(w)}  ${right}`);
  }
  lines.push('  -h, --help' + ' '.repeat(Math.max(2, 24 - 10)) + 'show this help');
  return lines.join('\n');
}

const io: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  isTTY: Boolean(process.stdout.isTTY),
  color: colorEnabled(process.stdout),
};

/** The exit code, or undefined when the command went on in the full bundle (src/lean.ts), which sets its own. */
async function main(argv: string[]): Promise<number | undefined> {
  // Errors are printed as JSON only for a command that has --json, given before any "--" (what
  // follows "--" belongs to the command exec runs).
  let wantsJson = false;
  try {
    const [name, ...restArgv] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.out(globalHelp());
      return name ? ExitCode.ok : ExitCode.usage;
    }
    if (name === '--version' || name === '-V' || name === '-v') {
      io.out(version());
      return ExitCode.ok;
    }
    const spec = findCommand(name);
    if (!spec) {
      throw new ParallelError(`parallel: unknown command "${name}". Run "parallel --help" to list the commands.`, { exitCode: ExitCode.usage, code: 'usage' });
    }
    let own = restArgv;
    let rest: string[] = [];
    const dd = restArgv.indexOf('--');
    if (dd !== -1) {
      own = restArgv.slice(0, dd);
      rest = restArgv.slice(dd + 1);
    }
    wantsJson = Boolean(spec.json) && own.includes('--json');
    if (own.includes('--help') || own.includes('-h')) {
      io.out(commandHelp(spec));
      return ExitCode.ok;
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: own,
        options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      const msg = (e as Error).message;
      const unknown = /Unknown option '([^']+)'/.exec(msg);
      const what = unknown ? `unknown option "${unknown[1]}" for "${spec.name}"` : msg.split('. ')[0]!.replace(/\.$/, '');
      throw new ParallelError(`parallel: ${what}. Run "parallel ${spec.name} --help" for its options.`, { exitCode: ExitCode.usage, code: 'usage' });
    }
    if (spec.passthrough === undefined && rest.length) {
      throw new ParallelError(`parallel: ${spec.name} takes no arguments after "--". Run "parallel ${spec.name} --help".`, { exitCode: ExitCode.usage, code: 'usage' });
    }
    const mod = await spec.load();
    const values = parsed.values as Record<string, OptionValue>;
    const result = await mod.run({
      command: spec.name,
      cwd: process.cwd(),
      args: parsed.positionals,
      rest,
      opts: values,
      json: Boolean(values.json),
      io,
    });
    const exitCode = result.exitCode ?? ExitCode.ok;
    if (result.streamed) {
      // already printed
    } else if (values.json && spec.json) {
      io.out(JSON.stringify({ schema: 1, ok: exitCode === 0, ...result.data }, null, 2));
    } else if (result.text !== undefined && result.text !== '') {
      io.out(result.text);
    }
    return exitCode;
  } catch (e) {
    const full = fullBundleRun(e);
    if (full) {
      full();
      return undefined;
    }
    return reportError(e, wantsJson);
  }
}

function reportError(e: unknown, json: boolean): number {
  const debug = Boolean(process.env.PARALLEL_DEBUG && process.env.PARALLEL_DEBUG !== '0');
  if (e instanceof ParallelError) {
    if (json) io.out(JSON.stringify({ schema: 1, ok: false, error: { message: e.message, code: e.code, ...e.details } }, null, 2));
    else io.err(e.message.startsWith('parallel:') || /^\S+:\d+:\d+: /.test(e.message) ? e.message : `parallel: ${e.message}`);
    if (debug && e.stack) io.err(e.stack);
    return e.exitCode;
  }
  const fsProblem = fileSystemError(e);
  if (fsProblem) {
    if (json) io.out(JSON.stringify({ schema: 1, ok: false, error: { message: fsProblem, code: 'refused' } }, null, 2));
    else io.err(fsProblem);
    if (debug && (e as Error).stack) io.err((e as Error).stack!);
    return ExitCode.refused;
  }
  const err = e as Error;
  const message = `parallel: internal error: ${err?.message ?? String(e)}. This is a bug in parallel; please report it with the command you ran and the output of the same command with PARALLEL_DEBUG=1.`;
  if (json) io.out(JSON.stringify({ schema: 1, ok: false, error: { message, code: 'internal' } }, null, 2));
  else io.err(message);
  if (debug && err?.stack) io.err(err.stack);
  return ExitCode.internal;
}

const FS_REASONS: Record<string, string> = {
  EISDIR: 'it is a directory where a file belongs',
  ENOTDIR: 'a part of that path is a file where a directory belongs',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
};

/**
 * A file we could not read or write for a reason the user can fix (a directory where our lock
 * file goes, permissions, a full disk): one paragraph with the path, exit 1, not a "bug".
 */
function fileSystemError(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  const reason = err && typeof err.code === 'string' ? FS_REASONS[err.code] : undefined;
  if (!reason || typeof err.path !== 'string') return undefined;
  const path = (err as { dest?: string }).dest ?? err.path;
  return `parallel: cannot use ${path}: ${reason} (${err.code}); nothing more was changed. Fix that path (for a stray directory or file under .git/parallel that you did not make, remove it, e.g. "rm -r '${path}'"; else check its permissions and free space), then run the command again.`;
}

// A closed stdout or stderr (\`parallel status --watch | head -3\`) ends the command quietly, with
// the exit code it has so far, instead of an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok);
  });
}

main(process.argv.slice(2)).then(
  (code) => { if (code !== undefined) process.exitCode = code; },
  (e) => { process.exitCode = reportError(e, false); },
);
