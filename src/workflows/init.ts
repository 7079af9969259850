/**
 * `parallel init [--base BRANCH]`: set a repository up for parallel sessions, idempotently.
 * Records the base (`parallel.base`), writes a starter `.parallel.yml` if there is none (never
 * overwrites one), makes `git log` show the coordination notes and amend/rebase keep them, keeps
 * `.parallel/` out of `git status` through `info/exclude`, and installs the hooks.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, appendFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandInput, CommandResult } from '../command.js';
import { ExitCode, ParallelError, refused } from '../errors.js';
import { git, gitTry, splitZ } from '../git/git.js';
import { openRepo, type RepoContext } from '../git/repo.js';
import { installHooks } from '../hooks/install.js';
import { ID_PATTERN, NOTES_REF, PLAN_FILE, RESERVED_IDS } from '../core/plan.js';
import { GLOB_CHARS, globProblem } from '../core/glob-rules.js';

const EXCLUDE_LINE = '/.parallel/';
const NOTES_KEYS = ['notes.displayRef', 'notes.rewriteRef'] as const;
/** Top-level folders that hold the sources of several modules: phases are guessed one level down. */
const SOURCE_ROOTS = ['src', 'lib', 'app', 'apps', 'packages', 'services', 'modules', 'internal', 'pkg', 'cmd'];
/** Folders that are not work areas. */
const SKIP_DIRS = new Set(['node_modules', 'vendor', 'dist', 'build', 'target', 'out', 'coverage', '.git', '.parallel']);
const SHARED_CANDIDATES = ['package.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'go.mod', 'go.sum', 'Cargo.toml', 'Cargo.lock', 'pyproject.toml', 'poetry.lock', 'requirements.txt', 'Gemfile.lock'];
const MAX_GUESSED = 5;

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  if (!ctx.isMain) {
    throw refused(`parallel: init runs in the main worktree, not in ${ctx.marker ? `the worktree of phase "${ctx.marker.phase}"` : 'a linked worktree'}. Run it from ${ctx.mainWorktree}.`);
  }
  // No commit yet is fine: the base is the branch HEAD names (unborn), and committing the
  // starter plan on it is the first commit (what start and check tell such a repository to do).
  const unborn = !gitTry(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: ctx.toplevel });
  const done: string[] = [];
  const planPath = join(ctx.toplevel, PLAN_FILE);
  const planText = existsSync(planPath) ? safeRead(planPath) : undefined;
  const base = recordBase(ctx, typeof input.opts.base === 'string' ? input.opts.base : undefined, planText, done, unborn);

  if (planText === undefined) {
    const files = splitZ(git(['ls-files', '-z'], { cwd: ctx.toplevel }).stdout);
    const starter = starterPlan(repoName(ctx), base, files, schemaComment(ctx));
    const tmp = `${planPath}.${process.pid}.tmp`;
    writeFileSync(tmp, starter.text);
    renameSync(tmp, planPath);
    done.push(`Wrote ${PLAN_FILE}: a starting point with ${starter.phases.length} phase${starter.phases.length === 1 ? '' : 's'} guessed from your folders (${starter.phases.map((p) => p.owns).join(', ')}). Edit it, run "parallel check", then commit it on ${base}.`);
  }

  for (const key of NOTES_KEYS) {
    const values = (gitTry(['config', '--get-all', key], { cwd: ctx.toplevel }) ?? '').split('\n');
    if (!values.includes(NOTES_REF)) {
      git(['config', '--add', key, NOTES_REF], { cwd: ctx.toplevel });
      done.push(`Set ${key}=${NOTES_REF} (${key === 'notes.displayRef' ? 'plain "git log" shows the status notes' : 'amend and rebase keep them'})`);
    }
  }

  const exclude = join(ctx.commonDir, 'info', 'exclude');
  const current = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
  if (!current.split('\n').some((l) => ['.parallel/', '/.parallel/', '.parallel', '/.parallel'].includes(l.trim()))) {
    mkdirSync(dirname(exclude), { recursive: true });
    appendFileSync(exclude, `${current === '' || current.endsWith('\n') ? '' : '\n'}# parallel: session scratch and briefs\n${EXCLUDE_LINE}\n`);
    done.push(`Added ${EXCLUDE_LINE} to ${relative(ctx.toplevel, exclude) || exclude} (keeps .parallel/ out of git status; no file in your work tree)`);
  }

  const hooks = await installHooks(ctx);
  const lines = [...done, ...hooks.lines];
  if (done.length === 0 && hooks.lines.length === 0) {
    lines.unshift(`parallel is already set up here (base ${base}, ${PLAN_FILE}, notes config, hooks, info/exclude): nothing to change.`);
  } else if (done.length === 0) {
    lines.unshift(`parallel is set up here (base ${base}, ${PLAN_FILE}, notes config, info/exclude); its hooks needed repair:`);
  } else if (planText === undefined) {
    lines.push('', `Next: edit ${PLAN_FILE}, run "parallel check", commit it on ${base}${unborn ? ' (the first commit)' : ''}, then "parallel start --ready".`);
  }
  return { text: lines.join('\n') };
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Decide the base, record it when it changes, and say so. */
function recordBase(ctx: RepoContext, asked: string | undefined, planText: string | undefined, done: string[], unborn = false): string {
  const recorded = gitTry(['config', '--get', 'parallel.base'], { cwd: ctx.toplevel }) ?? undefined;
  const planBase = planText ? /^base:\s*["']?([^"'\s#]+)["']?\s*(?:#.*)?$/m.exec(planText)?.[1] : undefined;
  let base = asked ?? recorded ?? (planBase && branchExists(ctx, planBase) ? planBase : undefined);
  if (!base) {
    base = gitTry(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: ctx.mainWorktree }) ?? undefined;
    if (!base) {
      throw refused('parallel: the main worktree has a detached HEAD, so there is no branch to record as the base. Check out the branch phases should start from and land on ("git switch main"), or name it: "parallel init --base main".');
    }
  }
  // In a repository with no commit yet, the branch HEAD names is born with the first commit.
  const bornLater = unborn && base === gitTry(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: ctx.mainWorktree });
  if (!bornLater && !branchExists(ctx, base)) {
    throw new ParallelError(`parallel: there is no branch "${base}" to use as the base. Create it ("git branch ${base}") or name an existing branch with --base.`, { exitCode: ExitCode.usage, code: 'usage' });
  }
  if (planBase && planBase !== base) {
    throw new ParallelError(`parallel: ${PLAN_FILE} says "base: ${planBase}" but the base would be "${base}". Change the plan's "base:" to ${base}, or run "parallel init --base ${planBase}".`, { exitCode: ExitCode.usage, code: 'usage' });
  }
  if (recorded !== base) {
    git(['config', 'parallel.base', base], { cwd: ctx.toplevel });
    done.push(recorded ? `Changed the recorded base from ${recorded} to ${base} (git config parallel.base)` : `Recorded base: ${base} (git config parallel.base)`);
  }
  return base;
}

function branchExists(ctx: RepoContext, name: string): boolean {
  return gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${name}`], { cwd: ctx.toplevel }) !== null;
}

function repoName(ctx: RepoContext): string {
  return toId(basename(ctx.mainWorktree)) ?? 'workspace';
}

/** A phase id from a folder name, or undefined when none fits. */
export function toId(name: string): string | undefined {
  const id = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, 40);
  return id && ID_PATTERN.test(id) && !RESERVED_IDS.has(id) ? id : undefined;
}

/** `# yaml-language-server: $schema=...` when the installed schema lies inside this repository. */
function schemaComment(ctx: RepoContext): string | undefined {
  const schema = join(dirname(fileURLToPath(import.meta.url)), '../../schema/parallel.schema.json');
  const rel = relative(ctx.toplevel, schema);
  if (!existsSync(schema) || rel.startsWith('..') || rel.startsWith('/')) return undefined;
  return `# yaml-language-server: $schema=./${rel.split('\\').join('/')}`;
}

export interface StarterPlan {
  text: string;
  phases: { id: string; owns: string }[];
}

/** Guess phases from the tracked files' folders: one level below a source root, else top-level folders. */
export function starterPlan(name: string, base: string, files: readonly string[], schemaLine?: string): StarterPlan {
  const top = new Map<string, Set<string>>();
  for (const f of files) {
    const parts = f.normalize('NFC').split('/');
    if (parts.length < 2) continue;
    const [dir, sub] = parts as [string, string];
    if (dir.startsWith('.') || SKIP_DIRS.has(dir)) continue;
    if (!top.has(dir)) top.set(dir, new Set());
    if (parts.length > 2 && !sub.startsWith('.')) top.get(dir)!.add(sub);
  }
  const root = SOURCE_ROOTS.find((r) => (top.get(r)?.size ?? 0) >= 2);
  const folders = root
    ? [...top.get(root)!].sort().map((sub) => ({ label: sub, owns: `${root}/${sub}/` }))
    : [...top.keys()].sort().map((dir) => ({ label: dir, owns: `${dir}/` }));
  const phases: { id: string; owns: string }[] = [];
  const seen = new Set<string>();
  for (const f of folders) {
    const id = toId(f.label);
    // A folder whose name has glob characters (or is not a valid pattern) is left to the user.
    if (!id || seen.has(id) || GLOB_CHARS.test(f.owns.slice(0, -1)) || globProblem(f.owns)) continue;
    seen.add(id);
    phases.push({ id, owns: f.owns });
    if (phases.length === MAX_GUESSED) break;
  }
  if (phases.length === 0) phases.push({ id: 'first-phase', owns: 'src/' });
  const shared = SHARED_CANDIDATES.filter((f) => files.includes(f));
  const lines = [
    ...(schemaLine ? [schemaLine] : []),
    '# A STARTING POINT written by "parallel init": phases were guessed from your folders.',
    '# Edit the phases, their tasks and what each owns; run "parallel check"; then commit this',
    `# file on ${base}. The format is described in parallel's README ("The plan format").`,
    '# Unowned files (listed by "parallel check") can be changed by no phase: add them to a phase\'s owns, or to shared: if every phase may change them.',
    'version: 1',
    `name: ${name}`,
    `base: ${JSON.stringify(base)}`,
    '# test: npm test              # run by "parallel integrate" on the merged result',
    ...(shared.length ? [`shared: [${shared.join(', ')}]`] : ['# shared: [package-lock.json]  # paths every phase may change']),
    'phases:',
  ];
  for (const p of phases) {
    lines.push(`  - id: ${p.id}`, `    task: "TODO: describe the work in ${p.owns}"`, `    owns: [${JSON.stringify(p.owns)}]`);
  }
  return { text: `${lines.join('\n')}\n`, phases };
}
