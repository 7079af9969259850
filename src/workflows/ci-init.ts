/**
 * `parallel ci init github|gitlab [-o FILE]`: write the CI workflow that runs `verify` on phase
 * branches and the merge queue (`integrate --land --push`), for the user to commit. Never
 * overwrites a file (the write itself refuses an existing one: `wx`).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { CommandInput, CommandResult } from '../command.js';
import { refused, usageError } from '../errors.js';
import { openRepo, resolveBase } from '../git/repo.js';
import { CI_FILES, ciWorkflow, type CiKind } from '../integrate/ci-workflow.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  const [sub, kind, ...extra] = input.args;
  if (sub !== 'init') throw usageError(`parallel: ${sub ? `unknown ci command "${sub}"` : 'ci needs a command'}. Run "parallel ci init github" or "parallel ci init gitlab".`);
  if (kind !== 'github' && kind !== 'gitlab') throw usageError(`parallel: ${kind ? `unknown CI "${kind}"` : 'name the CI'}: "parallel ci init github" (GitHub Actions) or "parallel ci init gitlab" (GitLab CI).`);
  if (extra.length) throw usageError(`parallel: ci init takes one CI name (got also "${extra[0]}"). Run "parallel ci init github|gitlab [-o FILE]".`);
  const ctx = openRepo(input.cwd);
  const base = resolveBase(ctx);
  const top = ctx.toplevel;
  const text = ciWorkflow(kind as CiKind, {
    base,
    lockfile: existsSync(join(top, 'package-lock.json')),
    ...(existsSync(join(top, '.nvmrc')) ? { nodeVersionFile: '.nvmrc' } : {}),
  });
  const output = typeof input.opts.output === 'string' && input.opts.output !== '' ? resolve(input.cwd, input.opts.output) : join(top, CI_FILES[kind as CiKind]);
  const shown = relative(input.cwd, output) || output;
  try {
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, text, { flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw refused(`parallel: ${shown} already exists; ci init never overwrites a file. Move it aside (or pass -o another file) and run it again, then merge the two by hand.`);
    const why = code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' ? 'a part of its path is a file' : (e as Error).message;
    throw usageError(`parallel: cannot write ${shown}: ${why}. Pass -o a file path in a writable folder.`);
  }
  const lines = [`Wrote ${shown} (${kind === 'github' ? 'GitHub Actions' : 'GitLab CI'}; base ${base}). Read it, then commit it on ${base}.`];
  if (kind === 'gitlab') {
    const rel = relative(top, output).split('\\').join('/');
    lines.push('Add it to .gitlab-ci.yml:', '', 'include:', `  - local: ${rel}`, '', 'and store a project access token (write_repository) as the CI/CD variable PARALLEL_PUSH_TOKEN (see the file\'s comments).');
  } else {
    lines.push('Make "verify" a required check for phase branches, and let GitHub Actions push to base if it is protected (see the file\'s comments).');
  }
  return { data: { file: output, ci: kind, base, ...(kind === 'gitlab' ? { include: `- local: ${relative(top, output)}` } : {}) }, text: lines.join('\n') };
}
