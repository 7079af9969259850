/**
 * The enforcement behind the hooks: a phase's own commits judged against ownership, whatever
 * the hooks did (`--no-verify`, `-c core.hooksPath=/dev/null`, cherry-pick, rebase, commit-tree,
 * a GUI). SPEC: a phase's own commits are `git rev-list parallel/<id> --not <base> <trusted
 * tip>` (src/store/trusted.ts); a merge commit is judged on what it changes beyond a clean merge of its
 * parents (`--remerge-diff`). Used by `parallel verify`, the hooks (merges) and integrate.
 */
import { git } from '../git/git.js';
import { trustedBounds } from '../store/trusted.js';
import type { RepoContext } from '../git/repo.js';
import { readPhaseTips } from '../git/phase-tips.js';
import { buildOwnership, type OwnershipModel } from '../core/ownership.js';
import type { PhaseId, Plan } from '../core/plan.js';
import { COMMIT_FORMAT, SYMLINK_MODE, parseLogZ, parseRawZ, type CommitChanges } from './changes.js';
import { judgeChanges, symlinkBlobs, type Finding, type FindingKind, type LinkLookup } from './judge.js';

export interface Violation {
  phase: PhaseId;
  /** Full commit id. */
  commit: string;
  path: string;
  owner: string;
  kind: FindingKind;
  /** For a symlink: its target, and where it leads inside the repository. */
  target?: string;
  resolved?: string;
}

/** Settings that would hide changes from the diff (root commits, submodules, a subdirectory). */
const DIFF_GUARDS = ['-c', 'log.showRoot=true', '-c', 'diff.ignoreSubmodules=none', '-c', 'diff.relative=false'];

/**
 * The changes of each commit selected by `revArgs` (a `git log` revision list), oldest first:
 * a commit against its parent, a two-parent merge beyond the automatic merge of its parents, an
 * octopus merge against its first parent (strict: git has no remerge for it).
 */
export function commitChanges(cwd: string, revArgs: readonly string[]): CommitChanges[] {
  // Not `--reverse`: with it, git 2.39's --remerge-diff also lists paths the merge took cleanly
  // from its second parent (measured), which would blame a phase for what it merged in.
  // --ignore-submodules=none also overrides a .gitmodules "ignore = all", which the config does not.
  const out = git([...DIFF_GUARDS, 'log', '--no-renames', '--ignore-submodules=none', '--raw', '-z', '--no-abbrev', '--remerge-diff', '--no-color', `--format=${COMMIT_FORMAT}`, ...revArgs, '--'], { cwd }).stdout;
  const commits = parseLogZ(out).reverse();
  for (const c of commits) {
    if (c.parents.length > 2) {
      c.changes = parseRawZ(git([...DIFF_GUARDS, 'diff-tree', '-r', '--no-renames', '--ignore-submodules=none', '--raw', '-z', '--no-abbrev', c.parents[0]!, c.commit, '--'], { cwd }).stdout);
    }
  }
  return commits;
}

/** Targets of symlink blobs, by blob id (one `cat-file --batch` call). */
export function readSymlinkTargets(cwd: string, oids: readonly string[]): Map<string, string> {
  const targets = new Map<string, string>();
  if (oids.length === 0) return targets;
  const out = Buffer.from(git(['cat-file', '--batch'], { cwd, input: oids.join('\n') + '\n' }).stdout, 'utf8');
  let pos = 0;
  for (const oid of oids) {
    const nl = out.indexOf(0x0a, pos);
    if (nl === -1) break;
    const header = out.subarray(pos, nl).toString('utf8').split(' ');
    pos = nl + 1;
    if (header[1] !== 'blob') continue;
    const size = Number(header[2]);
    targets.set(oid, out.subarray(pos, pos + size).toString('utf8'));
    pos += size + 1;
  }
  return targets;
}

/**
 * The symlinks among some paths of `treeish` (a commit or tree), for judging where a link finally
 * leads. Only asked when a change adds a symlink; `ls-tree` without `-r` lists each path's entry
 * (and a folder's direct children, which are filtered out).
 */
export function treeLinks(cwd: string, treeish: string | (() => string), opts: { keepRepoEnv?: boolean } = {}): LinkLookup {
  return (paths) => {
    const wanted = new Set(paths);
    const tree = typeof treeish === 'string' ? treeish : treeish();
    // Literal pathspecs: a path such as `:a` (a top-level link) is a name here, not pathspec magic.
    const out = git(['ls-tree', '-z', '--full-tree', tree, '--', ...paths], { cwd, env: { GIT_LITERAL_PATHSPECS: '1' }, ...opts }).stdout;
    const links = new Map<string, string>();
    for (const entry of out.split('\0')) {
      const tab = entry.indexOf('\t');
      const [mode, , oid] = entry.slice(0, tab).split(' ');
      const path = entry.slice(tab + 1).normalize('NFC');
      if (mode === SYMLINK_MODE && wanted.has(path)) links.set(path, oid!);
    }
    const targets = readSymlinkTargets(cwd, [...new Set(links.values())]);
    return new Map([...links].filter(([, oid]) => targets.has(oid)).map(([path, oid]) => [path, targets.get(oid)!]));
  };
}

/** Violations in already-listed commits of `phase`. */
export function judgeCommitChanges(cwd: string, model: OwnershipModel, phase: PhaseId, commits: readonly CommitChanges[]): Violation[] {
  const targets = readSymlinkTargets(cwd, [...new Set(commits.flatMap((c) => symlinkBlobs(c.changes)))]);
  const out: Violation[] = [];
  for (const c of commits) {
    for (const f of judgeChanges(model, phase, c.changes, targets, treeLinks(cwd, c.commit))) out.push(toViolation(phase, c.commit, f));
  }
  return out;
}

export function toViolation(phase: PhaseId, commit: string, f: Finding): Violation {
  return { phase, commit, path: f.path, owner: f.owner, kind: f.kind, ...(f.target !== undefined ? { target: f.target } : {}), ...(f.resolved !== undefined ? { resolved: f.resolved } : {}) };
}

/**
 * What a phase's own commits exclude: base and the trusted integration tip (never wherever the
 * branch points now: commits nobody integrated stay the phase's own, and are judged).
 */
export function notOwnRefs(cwd: string, base: string): string[] {
  return trustedBounds(cwd, base);
}

/**
 * Judge an arbitrary set of commits as commits of `phase` (integrate judges the commits under a
 * pinned tip). Pass `{ tip }` to judge the phase's own commits up to `tip` instead.
 */
export function verifyCommits(ctx: RepoContext, plan: Plan, base: string, phase: PhaseId, commits: readonly string[] | { tip: string; not?: readonly string[] }): Violation[] {
  const cwd = ctx.toplevel;
  const model = buildOwnership(plan);
  const own = commits as { tip: string; not?: readonly string[] };
  const revs = Array.isArray(commits)
    ? (commits.length ? ['--no-walk=unsorted', ...commits] : [])
    : [own.tip, '--not', ...(own.not ?? notOwnRefs(cwd, base))];
  if (revs.length === 0) return [];
  return judgeCommitChanges(cwd, model, phase, commitChanges(cwd, revs));
}

export interface PhaseVerification {
  phase: PhaseId;
  /** Tip of parallel/<id>, or undefined when the phase has no branch. */
  tip?: string;
  /** Number of the phase's own commits judged. */
  commits: number;
  violations: Violation[];
}

/** Every listed phase (default: all phases with a branch), judged on its own commits. */
export function verifyPhaseReport(ctx: RepoContext, plan: Plan, base: string, phaseIds?: readonly PhaseId[]): PhaseVerification[] {
  const cwd = ctx.toplevel;
  const model = buildOwnership(plan);
  const not = notOwnRefs(cwd, base);
  const ids = phaseIds ?? plan.phases.map((p) => p.id);
  // Remote-tracking branches too: a CI clone judges origin/parallel/<id> with no local branch.
  const tips = readPhaseTips(cwd, { remotes: true }).phases;
  return ids.map((phase) => {
    const tip = tips.get(phase);
    if (!tip) return { phase, commits: 0, violations: [] };
    const commits = commitChanges(cwd, [tip, '--not', ...not]);
    return { phase, tip, commits: commits.length, violations: judgeCommitChanges(cwd, model, phase, commits) };
  });
}

