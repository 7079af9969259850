/**
 * Finding phases whose branch is gone from this clone (renamed or deleted from the worktree; see
 * src/core/missing-branch.ts). A phase counts when its current session was started here (the
 * start's origin and worktree, or a phase worktree of this clone) and is running, or is done and its worktree
 * holds work that neither base nor the integration branch has. Not counted: reviewer phases
 * (detached by design), failed phases, branches `prune`/`remove --delete-branch` deleted as
 * integrated, and phases started in other clones (their branches come through `sync`). No git
 * call unless a branch is actually gone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitTry } from '../git/git.js';
import { currentRecord } from '../core/phase-state.js';
import type { MissingBranchFacts } from '../core/missing-branch.js';
import type { Plan, PhaseId } from '../core/plan.js';
import type { SessionRecord } from '../store/types.js';
import { phaseWorktreeMap } from '../git/phase-worktrees.js';
import { prunedPhases } from './branch-delete.js';

export interface MissingBranchInput {
  cwd: string;
  commonDir: string;
  /** `cloneOrigin(ctx)`: which start events were made on this clone. */
  origin: string;
  plan: Pick<Plan, 'phases'>;
  records: readonly SessionRecord[];
  /** Phases with a local branch `refs/heads/parallel/<id>`. */
  local: ReadonlySet<PhaseId>;
  /** Base and integration tips: a done phase whose worktree HEAD they contain has delivered. */
  delivered: readonly string[];
}

/** The commit and branch a worktree's HEAD names, read from its HEAD file. */
function worktreeHead(cwd: string, gitDir: string): { head: string | null; headBranch: string | null } {
  let text: string;
  try {
    text = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  } catch {
    return { head: null, headBranch: null };
  }
  const ref = /^ref: (refs\/\S+)$/.exec(text)?.[1];
  if (!ref) return { head: /^[0-9a-f]{40,64}$/.test(text) ? text : null, headBranch: null };
  return { head: gitTry(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd }), headBranch: ref.replace(/^refs\/heads\//, '') };
}

export function findMissingBranches(input: MissingBranchInput): Map<PhaseId, MissingBranchFacts> {
  const out = new Map<PhaseId, MissingBranchFacts>();
  const byPhase = new Map<PhaseId, SessionRecord[]>();
  for (const r of input.records) byPhase.set(r.phase, [...(byPhase.get(r.phase) ?? []), r]);
  const candidates = input.plan.phases.filter((p) => p.reviews === undefined && !input.local.has(p.id) && byPhase.has(p.id)).map((p) => p.id);
  if (candidates.length === 0) return out;
  const worktrees = phaseWorktreeMap(input.commonDir);
  const pruned = prunedPhases(input.commonDir, candidates);
  for (const id of candidates) {
    const rec = currentRecord(byPhase.get(id)!)!;
    if (rec.state === 'failed' || pruned.has(id)) continue;
    const wt = worktrees.get(id);
    // Started elsewhere (its branch comes through sync), or tracked with no worktree (the API).
    if (!wt && (rec.origin !== input.origin || !rec.worktree)) continue;
    const present = wt && !wt.missing ? wt : undefined;
    const { head, headBranch } = present ? worktreeHead(input.cwd, present.gitDir) : { head: null, headBranch: null };
    if (rec.state === 'done') {
      // Done, with no branch: missing only while the worktree holds work nothing delivered.
      if (!head) continue;
      const inside = input.delivered.some((tip) => git(['merge-base', '--is-ancestor', head, tip], { cwd: input.cwd, okCodes: [0, 1, 128] }).exitCode === 0);
      if (inside) continue;
    }
    out.set(id, { worktree: present?.path ?? null, head, headBranch });
  }
  return out;
}
