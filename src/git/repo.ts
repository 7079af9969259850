/**
 * Where things are, from one git call that works in any worktree (the main one or a linked
 * one), and the phase marker that makes a linked worktree a phase worktree.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { ParallelError, ExitCode } from '../errors.js';
import { git, gitTry } from './git.js';
import { freshHookState, type CacheTrust } from './hook-state.js';

export interface RepoContext {
  /** The directory the command was run from. */
  cwd: string;
  /** Top of the current worktree. */
  toplevel: string;
  /** This worktree's private git dir (`.git` or `.git/worktrees/<name>`). */
  gitDir: string;
  /** The common git dir shared by all worktrees. */
  commonDir: string;
  /** Top of the main worktree. */
  mainWorktree: string;
  /** True when the command runs in the main worktree. */
  isMain: boolean;
  /** The phase marker, when this is a phase worktree. */
  marker?: PhaseMarker;
}

export interface PhaseMarker {
  phase: string;
  session: string;
  workspace: string;
  /** Set in a reviewer's worktree. */
  reviewer?: boolean;
}

export const MARKER_FILE = 'parallel-phase';

/** Find the repository around `cwd`. Throws a user error outside a repository. */
export function openRepo(cwd: string = process.cwd()): RepoContext {
  const res = git(['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-dir', '--git-common-dir'], { cwd, okCodes: [0, 128] });
  if (res.exitCode !== 0) {
    const bare = /this operation must be run in a work tree/.test(res.stderr);
    throw new ParallelError(
      bare
        ? `parallel: ${cwd} is a bare repository. Run parallel inside a clone with a work tree.`
        : `parallel: ${cwd} is not inside a git repository. Run parallel from your repository (or one of its worktrees), or create one with "git init".`,
      { exitCode: ExitCode.usage, code: 'usage' },
    );
  }
  const [toplevel, gitDir, commonDir] = res.stdout.split('\n') as [string, string, string];
  const isMain = gitDir === commonDir;
  const mainWorktree = basename(commonDir) === '.git' ? dirname(commonDir) : toplevel;
  const ctx: RepoContext = { cwd, toplevel, gitDir, commonDir, mainWorktree, isMain };
  if (!isMain) ctx.marker = readMarker(gitDir);
  return ctx;
}

export function parseMarker(text: string): PhaseMarker | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const phase = fields.get('phase');
  if (!phase) return undefined;
  return {
    phase,
    session: fields.get('session') || phase,
    workspace: fields.get('workspace') ?? '',
    ...(fields.get('reviewer') === '1' ? { reviewer: true } : {}),
  };
}

export function formatMarker(m: PhaseMarker): string {
  return `phase=${m.phase}\nsession=${m.session}\nworkspace=${m.workspace}\n${m.reviewer ? 'reviewer=1\n' : ''}`;
}

/** Read the marker of a worktree from its private git dir. */
export function readMarker(gitDir: string): PhaseMarker | undefined {
  try {
    return parseMarker(readFileSync(join(gitDir, MARKER_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

export function writeMarker(gitDir: string, marker: PhaseMarker): void {
  writeFileSync(join(gitDir, MARKER_FILE), formatMarker(marker));
}

/** `<common dir>/parallel`: the tool's private state on this clone (locks, caches, journal). */
export function stateDir(ctx: Pick<RepoContext, 'commonDir'>, ...sub: string[]): string {
  const dir = join(ctx.commonDir, 'parallel', ...sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * The recorded base branch (`parallel.base`), or the branch checked out in the main worktree, or
 * (a fresh CI checkout: detached, or on a phase branch) the default branch of `origin`.
 */
export function resolveBase(ctx: RepoContext, opts: CacheTrust = {}): string {
  // parallel.base as the hooks last read it, while nothing it came from changed (no git process);
  // not for what judges work for base (`verified`): every session can write that file.
  const cached = opts.verified ? undefined : freshHookState(ctx.commonDir);
  if (cached?.baseFrom === 'config') return cached.base;
  const recorded = gitTry(['config', '--get', 'parallel.base'], { cwd: ctx.toplevel });
  if (recorded) return recorded;
  const head = gitTry(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: ctx.mainWorktree });
  if (head && !head.startsWith('parallel/')) return head;
  const remoteHead = gitTry(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], { cwd: ctx.toplevel });
  if (remoteHead?.startsWith('origin/')) return remoteHead.slice('origin/'.length);
  if (head) return head;
  throw new ParallelError(
    'parallel: no base branch is recorded and the main worktree has a detached HEAD. Check out the branch phases should start from and land on, then run "parallel init" (or set it with "git config parallel.base <branch>"; on CI, before running parallel).',
    { exitCode: ExitCode.usage, code: 'usage' },
  );
}
