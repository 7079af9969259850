/**
 * `integrate --push`, before the run: bring the remote's base, integration branch, phase
 * branches and coordination ref into this clone, so the run integrates what the git host has.
 * Works from a fresh CI checkout (no local phase branches, detached HEAD, no local base, shallow):
 * missing local branches are created at the remote's tips, branches behind are fast-forwarded,
 * and a shallow clone is deepened until every merge base integrate needs is there.
 */
import { git, gitTry } from '../git/git.js';
import { gitReason } from '../git/reason.js';
import type { RepoContext } from '../git/repo.js';
import { ParallelError, refused } from '../errors.js';
import { INTEGRATION_BRANCH } from '../core/plan.js';
import { checkedOutBranches } from '../worktrees/layout.js';
import { exchangeStore } from '../workflows/sync.js';
import { NO_HOOKS } from './scratch.js';
import { land } from './land.js';
import { short } from './plan-steps.js';

export interface RemoteTips {
  /** The remote's base and integration branch as fetched: the leases of the push. */
  base: string | null;
  integration: string | null;
  phases: Map<string, string>;
}

export interface Fetched {
  remote: string;
  tips: RemoteTips;
  /** What was done to local refs, one line each (for the report). */
  lines: string[];
}

const INTEGRATION_REF = `refs/heads/${INTEGRATION_BRANCH}`;

function tracking(remote: string, branch: string): string {
  return `refs/remotes/${remote}/${branch}`;
}

function rev(cwd: string, ref: string): string | null {
  return gitTry(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd });
}

function isAncestor(cwd: string, a: string, b: string): boolean {
  return git(['merge-base', '--is-ancestor', a, b], { cwd, okCodes: [0, 1, 128] }).exitCode === 0;
}

/** Fetch base and every `parallel/*` branch of the remote into its remote-tracking refs. */
function fetchBranches(ctx: RepoContext, remote: string, base: string): void {
  const specs = [`+refs/heads/${base}:${tracking(remote, base)}`, `+refs/heads/parallel/*:${tracking(remote, 'parallel/*')}`];
  const res = git(['fetch', '--quiet', '--no-tags', '--prune', '--end-of-options', remote, ...specs], { cwd: ctx.toplevel, okCodes: [0, 1, 128] });
  if (res.exitCode === 0) return;
  if (/couldn't find remote ref/i.test(res.stderr)) {
    throw refused(`parallel: "${remote}" has no branch ${base} (the base). Push it first ("git push ${remote} ${base}"), then run "parallel integrate --push" again.`);
  }
  throw new ParallelError(`parallel: could not fetch from "${remote}": ${gitReason(res.stderr)}. Check that "git fetch ${remote}" works.`, { code: 'git' });
}

function readTracking(ctx: RepoContext, remote: string, base: string): RemoteTips {
  const out = git(['for-each-ref', '--format=%(objectname) %(refname)', tracking(remote, base), tracking(remote, 'parallel/')], { cwd: ctx.toplevel }).stdout;
  const tips: RemoteTips = { base: null, integration: null, phases: new Map() };
  const prefix = tracking(remote, 'parallel/');
  for (const line of out.split('\n').filter(Boolean)) {
    const [oid, ref] = line.split(' ') as [string, string];
    if (ref === tracking(remote, base)) tips.base = oid;
    else if (ref === tracking(remote, INTEGRATION_BRANCH)) tips.integration = oid;
    else if (ref.startsWith(prefix)) tips.phases.set(ref.slice(prefix.length), oid);
  }
  return tips;
}

/**
 * A shallow clone lacks the merge bases integrate needs (merges, ancestry, a phase's own
 * commits): deepen, doubling, until base has a merge base with every tip; then, if still
 * missing, fetch the whole history. Says exactly what is missing when the remote cannot give it.
 */
function deepen(ctx: RepoContext, remote: string, base: string, tips: RemoteTips, lines: string[]): void {
  const cwd = ctx.toplevel;
  if (gitTry(['rev-parse', '--is-shallow-repository'], { cwd }) !== 'true') return;
  const others = [tips.integration, ...tips.phases.values()].filter((x): x is string => Boolean(x));
  const missing = () => others.filter((t) => git(['merge-base', tips.base!, t], { cwd, okCodes: [0, 1, 128] }).exitCode !== 0);
  let lacking = missing();
  for (let depth = 64; lacking.length && depth <= 4096; depth *= 4) {
    const res = git(['fetch', '--quiet', '--no-tags', `--deepen=${depth}`, '--end-of-options', remote], { cwd, okCodes: [0, 1, 128] });
    if (res.exitCode !== 0) break;
    lacking = missing();
    if (!lacking.length) lines.push(`deepened this shallow clone by ${depth} commits (merge bases of ${base} and the phase branches were missing)`);
  }
  if (lacking.length) {
    const res = git(['fetch', '--quiet', '--no-tags', '--unshallow', '--end-of-options', remote], { cwd, okCodes: [0, 1, 128] });
    lacking = missing();
    if (res.exitCode === 0 && !lacking.length) lines.push(`fetched the whole history into this shallow clone (merge bases of ${base} and the phase branches were deeper than 4096 commits)`);
    else {
      throw refused(`parallel: this clone is shallow and ${remote}/${base} has no merge base here with ${lacking.map(short).join(', ')}${res.exitCode ? ` (fetching the whole history failed: ${res.stderr.trim()})` : ''}. Clone with the full history (GitHub: "fetch-depth: 0"; GitLab: GIT_DEPTH: 0), or run "git fetch --unshallow ${remote}", then run it again.`);
    }
  }
}

/** Create `ref` at `oid` (it must not exist), with hooks off: a ref of this clone's own. */
function create(cwd: string, ref: string, oid: string): boolean {
  return git([...NO_HOOKS, 'update-ref', '-m', 'parallel integrate --push: from the remote', ref, oid, '0'.repeat(40)], { cwd, okCodes: [0, 1, 128] }).exitCode === 0;
}

function move(cwd: string, ref: string, oid: string, old: string): boolean {
  return git([...NO_HOOKS, 'update-ref', '-m', 'parallel integrate --push: from the remote', ref, oid, old], { cwd, okCodes: [0, 1, 128] }).exitCode === 0;
}

function alignBase(ctx: RepoContext, remote: string, base: string, theirs: string, lines: string[]): void {
  const cwd = ctx.toplevel;
  const ref = `refs/heads/${base}`;
  const ours = rev(cwd, ref);
  if (ours === theirs) return;
  if (!ours) {
    if (!create(cwd, ref, theirs)) throw refused(`parallel: ${base} appeared in this clone while fetching. Run "parallel integrate --push" again.`);
    lines.push(`${base} created here at ${remote}'s ${short(theirs)}`);
    return;
  }
  if (isAncestor(cwd, ours, theirs)) {
    const out = land(ctx, base, theirs, ours);
    if (!out.landed && !out.already) throw refused(`parallel: could not bring ${base} up to ${remote}/${base}: ${out.refusal}.`);
    lines.push(`${base} fast-forwarded to ${remote}'s ${short(theirs)}`);
    return;
  }
  if (isAncestor(cwd, theirs, ours)) {
    lines.push(`${base} here has commits ${remote} lacks (${short(ours)}); they are tested with the phases and land with them`);
    return;
  }
  throw refused(`parallel: ${base} here (${short(ours)}) and ${remote}/${base} (${short(theirs)}) have diverged. Bring them together first ("git pull ${remote} ${base}" in the worktree that has ${base}, then push), then run "parallel integrate --push" again.`);
}

function alignIntegration(ctx: RepoContext, remote: string, theirs: string | null, lines: string[]): void {
  const cwd = ctx.toplevel;
  const ours = rev(cwd, INTEGRATION_REF);
  if (!theirs || ours === theirs) return;
  if (checkedOutBranches(cwd).whereIs.get(INTEGRATION_REF)) return; // the run refuses it, naming the worktree
  if (!ours) {
    if (create(cwd, INTEGRATION_REF, theirs)) lines.push(`${INTEGRATION_BRANCH} created here at ${remote}'s ${short(theirs)}`);
    return;
  }
  if (isAncestor(cwd, theirs, ours)) return; // ours holds tested merges the remote lacks: the push carries them
  // Behind, or diverged (a run here whose push lost a race): the host is the truth. The old tip
  // stays under refs/parallel/saved/, so no commit is dropped.
  const behind = isAncestor(cwd, ours, theirs);
  if (!behind) {
    const saved = `refs/parallel/saved/integration/${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
    create(cwd, saved, ours);
  }
  if (move(cwd, INTEGRATION_REF, theirs, ours)) {
    lines.push(behind ? `${INTEGRATION_BRANCH} fast-forwarded to ${remote}'s ${short(theirs)}` : `${INTEGRATION_BRANCH} here (${short(ours)}) had diverged from ${remote}'s; moved to ${short(theirs)} (the old tip is kept under refs/parallel/saved/integration/)`);
  }
}

/** Local phase branches: created where missing, fast-forwarded where behind; this clone's own work is kept. */
function alignPhases(ctx: RepoContext, tips: RemoteTips, lines: string[]): void {
  const cwd = ctx.toplevel;
  const checkedOut = checkedOutBranches(cwd).whereIs;
  const created: string[] = [];
  const forwarded: string[] = [];
  for (const [id, theirs] of tips.phases) {
    if (`parallel/${id}` === INTEGRATION_BRANCH) continue;
    const ref = `refs/heads/parallel/${id}`;
    const ours = rev(cwd, ref);
    if (ours === theirs) continue;
    if (!ours) {
      if (create(cwd, ref, theirs)) created.push(id);
    } else if (!checkedOut.get(ref) && isAncestor(cwd, ours, theirs) && move(cwd, ref, theirs, ours)) forwarded.push(id);
  }
  if (created.length) lines.push(`phase branches taken from the remote: ${created.map((id) => `parallel/${id}`).join(', ')}`);
  if (forwarded.length) lines.push(`phase branches fast-forwarded: ${forwarded.map((id) => `parallel/${id}`).join(', ')}`);
}

/**
 * Fetch and align. With a pending (interrupted) job, base and the integration branch stay as the
 * job pinned them: the resumed run needs them, and the push's leases still guard the host.
 */
export async function fetchForPush(ctx: RepoContext, remote: string, base: string, pending: boolean): Promise<Fetched> {
  const lines: string[] = [];
  await exchangeStore(ctx, remote, { push: false });
  fetchBranches(ctx, remote, base);
  const tips = readTracking(ctx, remote, base);
  deepen(ctx, remote, base, tips, lines);
  if (!pending) {
    alignBase(ctx, remote, base, tips.base!, lines);
    alignIntegration(ctx, remote, tips.integration, lines);
  }
  alignPhases(ctx, tips, lines);
  return { remote, tips, lines };
}
