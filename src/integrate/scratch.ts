/**
 * Integrate's scratch worktree: a detached linked worktree owned by parallel, next to the phase
 * worktrees (where it goes and how it is recognised: scratch-place.ts), kept between runs so that
 * `setup` (e.g. `npm ci`) is not paid again and again. Merges happen here, never in a user's
 * worktree. After a `kill -9` it may hold a half-done merge, an `index.lock` or a half-updated
 * tree (GIT-FACTS): `resetScratch` puts it back at a recorded commit whatever it holds.
 * Every git call here runs with hooks off: the user's hooks are for the user's commits.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { git, gitOut, gitTry, splitZ, GitError, NO_HOOKS } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import type { Plan } from '../core/plan.js';
import { refused } from '../errors.js';
import { SCRATCH_MARKER, adminDirOf, findScratchWorktrees, isFree, legacyScratchPath, markScratch, occupiedError, scratchTarget } from './scratch-place.js';

export { NO_HOOKS };

/** The scratch worktree's private git dir, if it is a working worktree of this repository. */
function scratchGitDir(ctx: RepoContext, path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const res = git(['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir'], { cwd: path, okCodes: [0, 128] });
  if (res.exitCode !== 0) return undefined;
  const [gitDir, common] = res.stdout.split('\n');
  return common === ctx.commonDir && gitDir !== common ? gitDir : undefined;
}

export interface ScratchPlace {
  path: string;
  /** It was (re)created. */
  created: boolean;
  /** Where it was before this run moved it. */
  movedFrom?: string;
}

/** Names the path a `worktree add` of ours is creating, so a killed add is recognised as ours. */
const ADDING = 'scratch-adding';

/**
 * Make sure the scratch worktree exists at its place for `plan` (moved there from an older place
 * the git way, rebuilt if damaged) and sits at `commit` with a clean tree and index (any leftover
 * of a killed run cleared). Refuses a place that holds anything else.
 */
export function resetScratch(ctx: RepoContext, dir: string, plan: Pick<Plan, 'worktrees'>, commit: string): ScratchPlace {
  const place = placeScratch(ctx, dir, plan, commit);
  const gitDir = scratchGitDir(ctx, place.path)!;
  // A killed git leaves lock files behind (index.lock, HEAD.lock); we hold integrate's lock and
  // nobody else works in this worktree, so they are ours to clear.
  for (const f of readdirSync(gitDir)) if (f.endsWith('.lock')) unlinkSync(join(gitDir, f));
  // A test may have checked out a branch here: detach first, so `reset --hard` moves no branch.
  git(['update-ref', '--no-deref', 'HEAD', commit], { cwd: place.path });
  // `reset --hard` also drops a half-done merge (MERGE_HEAD, a staged merge with no MERGE_HEAD).
  git([...NO_HOOKS, 'reset', '--hard', '--quiet', commit], { cwd: place.path });
  git([...NO_HOOKS, 'clean', '-fdq'], { cwd: place.path });
  return place;
}

function placeScratch(ctx: RepoContext, dir: string, plan: Pick<Plan, 'worktrees'>, commit: string): ScratchPlace {
  const target = scratchTarget(ctx, plan);
  const adding = join(dir, ADDING);
  const admin = adminDirOf(ctx.commonDir, target);
  const addedByUs = admin !== undefined && (existsSync(join(admin, SCRATCH_MARKER)) || readText(adding) === target);
  if (addedByUs) {
    if (scratchGitDir(ctx, target)) {
      // A `worktree move` killed after the rename leaves git's record pointing at the old place.
      if (readText(join(admin, 'gitdir')) !== join(target, '.git')) git(['worktree', 'repair', target], { cwd: ctx.mainWorktree });
      markScratch(admin);
      return { path: target, created: false };
    }
  } else if (!isFree(target)) {
    throw occupiedError(target);
  } else {
    const elsewhere = findScratchWorktrees(ctx.commonDir).find((w) => !w.missing && resolve(w.path) !== target && scratchGitDir(ctx, w.path));
    if (elsewhere) {
      // Marked first: a move killed midway is then still recognised at its new place.
      markScratch(elsewhere.gitDir);
      mkdirSync(dirname(target), { recursive: true });
      if (existsSync(target)) rmdirSync(target); // empty (isFree): `worktree move` wants no folder there
      const res = git([...NO_HOOKS, 'worktree', 'move', elsewhere.path, target], { cwd: ctx.mainWorktree, okCodes: [0, 128] });
      if (res.exitCode === 0) return { path: target, created: false, movedFrom: elsewhere.path };
      throw refused(`parallel: integrate's scratch worktree is at ${elsewhere.path} and could not be moved to ${target}, where it now goes (${res.stderr.trim().replace(/^fatal: /, '')}). Move it with "git worktree move '${elsewhere.path}' '${target}'" (or remove it with "git worktree remove --force '${elsewhere.path}'"), then run "parallel integrate" again.`);
    }
  }
  // Missing or damaged (killed during `worktree add`): it is ours, so rebuild it.
  if (existsSync(target)) {
    gitTry(['worktree', 'remove', '--force', '--force', target], { cwd: ctx.mainWorktree });
    rmSync(target, { recursive: true, force: true });
  }
  const legacy = legacyScratchPath(dir);
  if (existsSync(legacy) && !scratchGitDir(ctx, legacy)) rmSync(legacy, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(adding, target);
  // Twice --force: a `worktree add` killed midway leaves its entry locked ("initializing"), and
  // a scratch worktree deleted by hand stays registered; no `worktree prune`: the user's own
  // missing worktrees must stay listed (status shows them).
  git([...NO_HOOKS, 'worktree', 'add', '--force', '--force', '--detach', '--quiet', target, commit], { cwd: ctx.mainWorktree });
  const gitDir = scratchGitDir(ctx, target);
  if (!gitDir) throw new Error(`the scratch worktree at ${target} could not be created`);
  markScratch(gitDir);
  unlinkSync(adding);
  return { path: target, created: true };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export interface MergeOutcome {
  ok: boolean;
  /** The merge commit. */
  commit?: string;
  /** Conflicted paths. */
  files?: string[];
  /** The two share no commit: git refuses the merge. */
  unrelated?: boolean;
}

export interface Person {
  name: string;
  email: string;
}

export interface MergeIdentity {
  /** Seconds since the epoch: author and committer date of every merge in the job. */
  date: number;
  /** Author and committer of every merge, pinned when the job starts (see `jobIdentity`). */
  author?: Person;
  committer?: Person;
}

/** The environment that makes a merge commit reproducible: same inputs, same commit id. */
export function mergeEnv(id: MergeIdentity): Record<string, string> {
  const env: Record<string, string> = { GIT_AUTHOR_DATE: `${id.date} +0000`, GIT_COMMITTER_DATE: `${id.date} +0000` };
  if (id.author) Object.assign(env, { GIT_AUTHOR_NAME: id.author.name, GIT_AUTHOR_EMAIL: id.author.email });
  if (id.committer) Object.assign(env, { GIT_COMMITTER_NAME: id.committer.name, GIT_COMMITTER_EMAIL: id.committer.email });
  return env;
}

const FALLBACK: Person = { name: 'parallel', email: 'parallel@localhost' };

function ident(cwd: string, which: 'GIT_AUTHOR_IDENT' | 'GIT_COMMITTER_IDENT'): Person {
  const res = git(['var', which], { cwd, okCodes: [0, 128] });
  const m = res.exitCode === 0 ? /^(.*) <([^>]*)> \d+ [+-]\d{4}$/.exec(res.stdout.trim()) : null;
  return m ? { name: m[1]!, email: m[2]! } : FALLBACK;
}

/**
 * Who authors and commits the job's merges, as git would pick them now (config and GIT_AUTHOR_* /
 * GIT_COMMITTER_* variables), or `parallel <parallel@localhost>` when none is configured. Pinned
 * in the journal, so a merge redone after a kill is the same commit even if the environment
 * of the resuming run differs.
 */
export function jobIdentity(cwd: string): { author: Person; committer: Person } {
  return { author: ident(cwd, 'GIT_AUTHOR_IDENT'), committer: ident(cwd, 'GIT_COMMITTER_IDENT') };
}

/** `git merge --no-ff` of `tip` into the scratch worktree's HEAD, hooks off. */
export function mergeInScratch(path: string, tip: string, message: string, id: MergeIdentity): MergeOutcome {
  const res = git(
    [...NO_HOOKS, '-c', 'rerere.enabled=false', 'merge', '--no-ff', '--no-edit', '--no-gpg-sign', '--no-autostash', '--quiet', '-m', message, tip],
    { cwd: path, env: mergeEnv(id), okCodes: [0, 1, 2, 128] },
  );
  if (res.exitCode === 0) return { ok: true, commit: gitOut(['rev-parse', 'HEAD'], { cwd: path }) };
  if (/refusing to merge unrelated histories/.test(res.stderr)) return { ok: false, unrelated: true, files: [] };
  const files = splitZ(git(['diff', '--name-only', '--diff-filter=U', '-z'], { cwd: path }).stdout);
  if (files.length === 0) throw new GitError(['merge', tip], path, res.exitCode, res.stderr, res.stdout);
  return { ok: false, files };
}

/** The fallback identity when `git var GIT_COMMITTER_IDENT` fails (no user configured). */
export function needsIdentity(path: string): boolean {
  return git(['var', 'GIT_COMMITTER_IDENT'], { cwd: path, okCodes: [0, 128] }).exitCode !== 0;
}
