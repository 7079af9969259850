/**
 * The commits integrate trusts on the integration branch. SPEC: `parallel/integration` only ever
 * points at base or at a merge integrate recorded (tested, or merged untested when the plan has
 * no `test`). integrate records each commit it is about to move the branch to as
 * `integrate/trusted/<commit>` in the coordination ref (one compare-and-swap write), so a fetch
 * of refs/notes/parallel carries the record and every clone and CI runner trusts the same
 * commits; `sync` unions the records of both sides.
 *
 * What this does not depend on: the hooks. Whoever moved the branch (a `git update-ref` from a
 * phase worktree with hooks off, a push), commits on it that neither base nor a recorded commit
 * reaches are "commits nobody integrated": integrate refuses to build on them, verify does not
 * count them as integrated work, and `parallel integrate --reset` puts the branch back.
 */
import { git, gitTry, splitZ } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH } from '../core/plan.js';
import { STORE_REF } from './layout.js';
import { writeStore } from './store.js';

export const TRUSTED_DIR = 'integrate/trusted';

export function trustedPath(commit: string): string {
  return `${TRUSTED_DIR}/${commit}`;
}

/** What the record of one trusted commit says (for a reader; only its presence counts). */
export interface TrustedRecord {
  commit: string;
  at: string;
  job: string;
  /** False when the plan had no `test` (merged untested). */
  tested: boolean;
  base: string;
  phases: string[];
}

/** The trusted commits recorded in the coordination ref (`treeish`: default its tip). */
export function readTrusted(cwd: string, treeish: string = STORE_REF): Set<string> {
  const res = git(['ls-tree', '-z', '--name-only', '--full-tree', treeish, '--', `${TRUSTED_DIR}/`], { cwd, okCodes: [0, 128] });
  const set = new Set<string>();
  if (res.exitCode !== 0) return set;
  for (const name of splitZ(res.stdout)) {
    const oid = name.slice(TRUSTED_DIR.length + 1);
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(oid)) set.add(oid);
  }
  return set;
}

export interface IntegrationTrust {
  /** Where the integration branch is (null: it does not exist). */
  tip: string | null;
  /**
   * The trusted tip: `tip` itself when nothing on it is stray, else the newest recorded commit
   * it contains; null when there is none (then only base counts).
   */
  trusted: string | null;
  /** Commits on the branch that neither base nor a recorded commit reaches, newest first. */
  strays: string[];
}

/** How far the integration branch (at `tip`, default: where it is now) can be trusted. */
export function integrationTrust(cwd: string, base: string, tip?: string | null): IntegrationTrust {
  const at = tip === undefined ? gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${INTEGRATION_BRANCH}^{commit}`], { cwd }) : tip;
  if (!at) return { tip: null, trusted: null, strays: [] };
  const recorded = readTrusted(cwd);
  // Records may name commits this clone does not have (fetched notes only): --ignore-missing.
  const input = [at, `^refs/heads/${base}`, ...[...recorded].map((c) => `^${c}`)].join('\n') + '\n';
  const strays = splitLines(git(['rev-list', '--ignore-missing', '--stdin'], { cwd, input }).stdout);
  if (strays.length === 0) return { tip: at, trusted: at, strays };
  // The newest recorded commit below the strays (topological order: descendants first).
  const own = splitLines(git(['rev-list', '--ignore-missing', '--topo-order', '--stdin'], { cwd, input: `${at}\n^refs/heads/${base}\n` }).stdout);
  const trusted = own.find((c) => recorded.has(c)) ?? null;
  return { tip: at, trusted, strays };
}

/** The refs that bound a phase's own commits: base and the trusted integration tip. */
export function trustedBounds(cwd: string, base: string): string[] {
  const t = integrationTrust(cwd, base);
  return [`refs/heads/${base}`, ...(t.trusted ? [t.trusted] : [])];
}

/** Record `commit` as trusted (one CAS write; nothing when it is recorded already). */
export async function recordTrusted(ctx: Pick<RepoContext, 'commonDir' | 'toplevel'>, rec: TrustedRecord): Promise<void> {
  if (readTrusted(ctx.toplevel).has(rec.commit)) return;
  await writeStore(ctx, {
    events: [],
    files: [{ path: trustedPath(rec.commit), content: JSON.stringify(rec) + '\n' }],
    message: `integrate: trust ${rec.commit.slice(0, 12)} (job ${rec.job})`,
  });
}

function splitLines(out: string): string[] {
  return out.split('\n').filter(Boolean);
}
