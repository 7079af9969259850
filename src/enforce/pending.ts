/**
 * The commit being made, as a pre-commit / pre-merge-commit hook sees it: the staged entries
 * against HEAD (honouring GIT_INDEX_FILE: `commit -a` stages into `index.lock`, `git commit --
 * path` into `next-index-*.lock`), or against the empty tree for the first commit. A merge is
 * judged by the commits it brings in and by what it changes beyond git's automatic merge.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitTry } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import type { OwnershipModel } from '../core/ownership.js';
import type { PhaseId } from '../core/plan.js';
import { EMPTY_TREE, parseRawZ, type Change } from './changes.js';
import { judgeChanges, symlinkBlobs, type Finding } from './judge.js';
import { commitChanges, notOwnRefs, readSymlinkTargets, treeLinks } from './verify.js';

/** Keep the hook's GIT_DIR and GIT_INDEX_FILE: they name the index being committed. */
const HOOK_ENV = { keepRepoEnv: true } as const;
const RAW = ['--no-renames', '--raw', '-z', '--no-abbrev', '--ignore-submodules=none'];

export function headCommit(cwd: string): string | null {
  return gitTry(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd, ...HOOK_ENV });
}

/** Staged changes of the commit being made (against HEAD, or the empty tree for a root commit). */
export function stagedChanges(cwd: string): Change[] {
  const head = headCommit(cwd);
  return parseRawZ(git(['diff-index', '--cached', ...RAW, head ?? EMPTY_TREE, '--'], { cwd, ...HOOK_ENV }).stdout);
}

/**
 * The other parents of a merge being concluded here, or an empty list: MERGE_HEAD for a resolved
 * conflict (pre-commit); for a clean merge git has not written MERGE_HEAD yet when it runs
 * pre-merge-commit, but names each merged commit in a GITHEAD_<oid> variable.
 */
export function mergeHeads(gitDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const file = join(gitDir, 'MERGE_HEAD');
  if (existsSync(file)) return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-f]{40,64}$/.test(l));
  return Object.keys(env).map((k) => /^GITHEAD_([0-9a-f]{40,64})$/.exec(k)?.[1]).filter((oid): oid is string => oid !== undefined);
}

export interface PendingJudgement {
  /** Findings in the commit's own changes (a merge: beyond the automatic merge). */
  own: Finding[];
  /** A merge: commits it brings in that count as the phase's own, with their findings. */
  brought: { commit: string; findings: Finding[] }[];
  merge: boolean;
}

/**
 * A commit whose pre-commit left its check to reference-transaction (no editor opened): the new
 * commit's tree against HEAD's (`from`, or the empty tree for a root commit), which is what was
 * staged, judged as `judgePending` judges the staged entries.
 */
export function judgeCommitTree(ctx: RepoContext, model: OwnershipModel, phase: PhaseId, from: string | null, to: string): Finding[] {
  const cwd = ctx.toplevel;
  const changes = parseRawZ(git(['diff-tree', '-r', ...RAW, from ?? EMPTY_TREE, to, '--'], { cwd, ...HOOK_ENV }).stdout);
  return judgeChanges(model, phase, changes, readSymlinkTargets(cwd, symlinkBlobs(changes)), treeLinks(cwd, to, HOOK_ENV));
}

/** Judge the commit being made in `ctx`'s worktree as a commit of `phase`. */
export function judgePending(ctx: RepoContext, model: OwnershipModel, phase: PhaseId, base: string): PendingJudgement {
  const cwd = ctx.toplevel;
  const heads = mergeHeads(ctx.gitDir);
  const head = headCommit(cwd);
  if (heads.length === 0 || !head) {
    const changes = stagedChanges(cwd);
    // The index as a tree, made only when a symlink must be followed through others.
    let indexTree: string | undefined;
    const links = treeLinks(cwd, () => (indexTree ??= gitOut(['write-tree'], cwd)), HOOK_ENV);
    return { own: judgeChanges(model, phase, changes, readSymlinkTargets(cwd, symlinkBlobs(changes)), links), brought: [], merge: false };
  }
  // Commits the merge brings in that are not already the phase's, base's or integrated work.
  const commits = commitChanges(cwd, [...heads, '--not', head, ...notOwnRefs(cwd, base)]);
  const targets = readSymlinkTargets(cwd, [...new Set(commits.flatMap((c) => symlinkBlobs(c.changes)))]);
  const brought = commits
    .map((c) => ({ commit: c.commit, findings: judgeChanges(model, phase, c.changes, targets, treeLinks(cwd, c.commit)) }))
    .filter((b) => b.findings.length > 0);
  // The merge's own part: the index against git's automatic merge of the parents.
  const indexTree = gitOut(['write-tree'], cwd);
  let auto: string;
  if (heads.length === 1) {
    const res = git(['merge-tree', '--write-tree', '--no-messages', head, heads[0]!], { cwd, okCodes: [0, 1] });
    auto = res.stdout.split('\n')[0]!;
  } else {
    auto = head; // octopus: judged strictly against the first parent
  }
  const changes = parseRawZ(git(['diff-tree', '-r', ...RAW, auto, indexTree, '--'], { cwd }).stdout);
  const own = judgeChanges(model, phase, changes, readSymlinkTargets(cwd, symlinkBlobs(changes)), treeLinks(cwd, indexTree));
  return { own, brought, merge: true };
}

function gitOut(args: string[], cwd: string): string {
  return git(args, { cwd, ...HOOK_ENV }).stdout.trim();
}
