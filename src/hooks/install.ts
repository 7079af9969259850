/**
 * Hook installation (ownership enforcement). Called by `parallel init` and repaired by
 * `parallel start`. Returns what it did, one line per action, for the caller to print.
 *
 * Where: parallel's hooks live in `<common dir>/parallel/hooks`, and every phase worktree uses
 * that folder through a per-worktree `core.hooksPath` (`extensions.worktreeConfig`). husky's
 * `prepare` (it resets the shared `core.hooksPath` on every `npm install`) and lefthook (which
 * refuses to install over a set `core.hooksPath`) leave a per-worktree value alone, and a
 * relative `.husky/_` that is missing in a new linked worktree no longer matters. Nothing of the
 * repository's own is replaced: each of our hooks first runs the repository's hook of the same
 * name from the folder git would use without parallel, and a failure there still blocks. The
 * main worktree and worktrees that are not phases are left exactly as they were.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listPhaseWorktrees, type PhaseWorktree } from '../git/phase-worktrees.js';
import { git, gitTry } from '../git/git.js';
import { shQuote } from '../core/shell-quote.js';
import { resolveBase, type RepoContext } from '../git/repo.js';

export interface HookInstallReport {
  lines: string[];
}

/** Every hook name git runs. Ours are always installed; the others only to chain an existing one. */
export const GIT_HOOK_NAMES = [
  'applypatch-msg', 'pre-applypatch', 'post-applypatch', 'pre-commit', 'pre-merge-commit', 'prepare-commit-msg',
  'commit-msg', 'post-commit', 'pre-rebase', 'post-checkout', 'post-merge', 'pre-push', 'pre-receive', 'update',
  'proc-receive', 'post-receive', 'post-update', 'reference-transaction', 'push-to-checkout', 'pre-auto-gc',
  'post-rewrite', 'sendemail-validate', 'fsmonitor-watchman', 'p4-changelist', 'p4-prepare-changelist',
  'p4-post-changelist', 'p4-pre-submit', 'post-index-change',
] as const;
/**
 * The hooks parallel needs in every phase worktree. Each hook git runs costs a shell's start (and
 * a pre-commit makes git read the index again), so a commit runs only the reference-transaction
 * (prepared judges the commit, committed starts its note writer): pre-commit and post-commit
 * files are installed only to chain the repository's own.
 */
export const PARALLEL_HOOKS = ['pre-merge-commit', 'reference-transaction'] as const;
export const LIBRARY_FILE = 'parallel.sh';

/** `<common dir>/parallel/hooks`. */
export function parallelHooksDir(ctx: Pick<RepoContext, 'commonDir'>): string {
  return join(ctx.commonDir, 'parallel', 'hooks');
}

/** The installed package: `dist/` (this file is dist/hooks/install.js) and its root. */
export function packagePaths(): { root: string; dist: string; name: string; githooks: string } {
  const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const root = dirname(dist);
  let name = 'git-parallel';
  try {
    name = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string }).name ?? name;
  } catch {
    // a copied dist without package.json: keep the default
  }
  return { root, dist, name, githooks: join(root, 'githooks') };
}

/** A value for a '...' placeholder of the shell files (their quotes are already there). */
export function inQuotes(value: string): string {
  return shQuote(value).slice(1, -1);
}

/** The files of the hooks folder, both with this installation's paths: the library and the hook file. */
export function renderHookFiles(): { library: string; hook: string } {
  const pkg = packagePaths();
  const bake = (text: string) => text
    .replace('@PARALLEL_DIST@', inQuotes(pkg.dist))
    .replace('@PARALLEL_NODE@', inQuotes(process.execPath))
    .replace('@PARALLEL_PKG@', inQuotes(pkg.name));
  return { library: bake(withoutComments(readFileSync(join(pkg.githooks, LIBRARY_FILE), 'utf8'))), hook: bake(withoutComments(readFileSync(join(pkg.githooks, 'hook'), 'utf8'))) };
}

/**
 * A shell file without its comment lines after the first three (the shebang and the header, which
 * names the file as parallel's): git starts a shell that reads and parses it on every hook run,
 * and the comments were a third of what it read. The commented source is in the package's githooks/.
 */
export function withoutComments(text: string): string {
  const lines = text.split('\n');
  return [...lines.slice(0, 3), '# (comments: githooks/ in the git-parallel package)', ...lines.slice(3).filter((l) => !/^\s*#/.test(l))].join('\n');
}

/** Linked worktrees that carry a phase marker (the shared reader, src/git/phase-worktrees.ts). */
export function phaseWorktrees(ctx: Pick<RepoContext, 'commonDir'>): PhaseWorktree[] {
  return listPhaseWorktrees(ctx.commonDir);
}

/** `core.hooksPath` as the repository sets it outside any worktree's own config (undefined: unset). */
export function userHooksPath(ctx: RepoContext): string | undefined {
  const out = gitTry(['config', '--show-scope', '--get-all', 'core.hooksPath'], { cwd: ctx.mainWorktree });
  let value: string | undefined;
  for (const line of (out ?? '').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0 && ['system', 'global', 'local'].includes(line.slice(0, tab))) value = line.slice(tab + 1);
  }
  return value;
}

/** The folder git would run hooks from in the worktree at `top`, without parallel. */
export function userHooksDir(ctx: RepoContext, top: string, configured = userHooksPath(ctx)): string {
  if (configured === undefined || configured === '') return join(ctx.commonDir, 'hooks');
  if (configured.startsWith('~/')) return join(process.env.HOME ?? '', configured.slice(2));
  return isAbsolute(configured) ? configured : resolve(top, configured);
}

export function isExecutableFile(file: string): boolean {
  try {
    const st = statSync(file);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * The hooks parallel's checks need in its folder: PARALLEL_HOOKS, and pre-commit while a
 * reviewer's worktree exists (or is being made, `reviewer`): only there is a commit told from a
 * checkout before it happens, and a reviewer's every commit is refused.
 */
export function ownHookNames(worktrees: readonly PhaseWorktree[], reviewer = false): string[] {
  return [...PARALLEL_HOOKS, ...(reviewer || worktrees.some((w) => !w.missing && w.marker.reviewer) ? ['pre-commit'] : [])];
}

/** Hook names our folder must provide: ours, and every hook the repository has in any worktree. */
export function neededHookNames(ctx: RepoContext, worktrees: readonly PhaseWorktree[], reviewer = false): string[] {
  const configured = userHooksPath(ctx);
  const dirs = new Set([ctx.mainWorktree, ...worktrees.filter((w) => !w.missing).map((w) => w.path)].map((top) => userHooksDir(ctx, top, configured)));
  const names = new Set<string>(ownHookNames(worktrees, reviewer));
  for (const dir of dirs) {
    if (dir === parallelHooksDir(ctx)) continue;
    for (const name of GIT_HOOK_NAMES) if (isExecutableFile(join(dir, name))) names.add(name);
  }
  return GIT_HOOK_NAMES.filter((n) => names.has(n));
}

function writeIfChanged(file: string, content: string, mode: number): boolean {
  try {
    if (readFileSync(file, 'utf8') === content && (statSync(file).mode & 0o777) === mode) return false;
  } catch {
    // missing: write it
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
  return true;
}

/** Write parallel's hooks folder (library + one file per hook name). Returns lines for changes. */
export function writeHooksFolder(ctx: RepoContext, names: readonly string[]): string[] {
  const dir = parallelHooksDir(ctx);
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(ctx.commonDir, 'parallel', 'cache'), { recursive: true });
  const { library, hook } = renderHookFiles();
  const lines: string[] = [];
  writeIfChanged(join(dir, LIBRARY_FILE), library, 0o644);
  for (const name of names) {
    const file = join(dir, name);
    if (existsSync(file) && !readFileSync(file, 'utf8').includes("parallel's git hook")) {
      // Some tool wrote into our folder (e.g. "lefthook install --force" in a phase worktree):
      // keep its file next to ours rather than lose it.
      const aside = `${file}.replaced-${Date.now()}`;
      renameSync(file, aside);
      lines.push(`hooks: ${file} was not parallel's; moved it to ${aside}.`);
    }
    writeIfChanged(file, hook, 0o755);
    // lefthook renames the hook it replaces to <name>.old: drop our own copy once ours is back.
    const old = `${file}.old`;
    if (existsSync(old) && readFileSync(old, 'utf8').includes("parallel's git hook")) rmSync(old, { force: true });
  }
  // Our own files of names no longer needed (post-commit from an older install, a chained hook
  // the repository removed): git would go on starting a shell for each. Only ours are removed.
  for (const name of GIT_HOOK_NAMES) {
    if (names.includes(name)) continue;
    const file = join(dir, name);
    try {
      if (readFileSync(file, 'utf8').includes("parallel's git hook")) rmSync(file, { force: true });
    } catch {
      // not there
    }
  }
  return lines;
}

function worktreeConfigOn(ctx: Pick<RepoContext, 'commonDir'>): boolean {
  return gitTry(['config', '--file', join(ctx.commonDir, 'config'), '--type=bool', '--get', 'extensions.worktreeConfig'], { cwd: ctx.commonDir }) === 'true';
}

/** The per-worktree `core.hooksPath` of a linked worktree's git dir (undefined when unset). */
export function worktreeHooksPath(worktreeGitDir: string): string | undefined {
  const file = join(worktreeGitDir, 'config.worktree');
  if (!existsSync(file)) return undefined;
  return gitTry(['config', '--file', file, '--get', 'core.hooksPath'], { cwd: worktreeGitDir }) ?? undefined;
}

/**
 * Make the linked worktree whose git dir is `worktreeGitDir` use parallel's hooks (call it right
 * after creating a phase worktree, before writing its marker; `reviewer` for a reviewer's).
 * Returns true when something changed.
 */
export function prepareWorktreeHooks(ctx: RepoContext, worktreeGitDir: string, reviewer = false): boolean {
  const dir = parallelHooksDir(ctx);
  let changed = false;
  const names = neededHookNames(ctx, phaseWorktrees(ctx), reviewer);
  if (!existsSync(join(dir, LIBRARY_FILE)) || names.some((n) => !existsSync(join(dir, n)))) {
    writeHooksFolder(ctx, names);
    changed = true;
  }
  if (!worktreeConfigOn(ctx)) {
    git(['config', '--file', join(ctx.commonDir, 'config'), 'extensions.worktreeConfig', 'true'], { cwd: ctx.commonDir });
    changed = true;
  }
  if (worktreeHooksPath(worktreeGitDir) !== dir) {
    git(['config', '--file', join(worktreeGitDir, 'config.worktree'), 'core.hooksPath', dir], { cwd: worktreeGitDir });
    changed = true;
  }
  // The note writer tells a commit from other moves of HEAD by HEAD's reflog. Under
  // core.logAllRefUpdates=false git writes none, but it appends to one that exists.
  const reflog = join(worktreeGitDir, 'logs', 'HEAD');
  if (!existsSync(reflog)) {
    try {
      mkdirSync(join(worktreeGitDir, 'logs'), { recursive: true });
      writeFileSync(reflog, '', { flag: 'a' });
    } catch {
      // an unwritable git dir: commits git runs no pre-commit for go without their note
    }
  }
  return changed;
}

/** Compile the rules for the plan on base now, so the first commit takes the fast path. */
async function warmRules(ctx: RepoContext): Promise<void> {
  try {
    const { readCommittedPlan } = await import('../config/plan-source.js');
    const { ensureRules } = await import('./rule-cache.js');
    const { plan, blob } = await readCommittedPlan(ctx, resolveBase(ctx));
    ensureRules(ctx, plan, blob);
  } catch {
    // no plan on base yet: the hooks compile the rules when there is one
  }
}

export async function installHooks(ctx: RepoContext): Promise<HookInstallReport> {
  const worktrees = phaseWorktrees(ctx);
  const dir = parallelHooksDir(ctx);
  const fresh = !existsSync(join(dir, LIBRARY_FILE));
  const lines = writeHooksFolder(ctx, neededHookNames(ctx, worktrees));
  if (!worktreeConfigOn(ctx)) {
    git(['config', '--file', join(ctx.commonDir, 'config'), 'extensions.worktreeConfig', 'true'], { cwd: ctx.commonDir });
  }
  const repaired: string[] = [];
  for (const wt of worktrees) {
    if (wt.missing) continue;
    const before = worktreeHooksPath(wt.gitDir);
    if (prepareWorktreeHooks(ctx, wt.gitDir)) repaired.push(`hooks: ${wt.marker.phase} (${wt.path}) now runs parallel's checks${before ? ` (its core.hooksPath was ${before})` : ''}.`);
  }
  await warmRules(ctx);
  if (fresh) {
    const userDir = userHooksDir(ctx, ctx.mainWorktree);
    lines.unshift(`hooks: installed parallel's ownership checks in ${dir}; phase worktrees use them and still run your own hooks from ${userDir}.`);
  }
  return { lines: [...lines, ...repaired] };
}
