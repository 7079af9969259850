/**
 * The integrate planner (pure): plan, phase states, reviews and branch tips in, the ordered list
 * of phases to merge (with their pinned tips) and the phases left out (with a reason) out.
 * `--dry-run` prints this; the runner executes it. No fs, no git, no process here.
 */
import { dependencyOrder, dependents } from '../core/graph.js';
import type { Phase, PhaseId } from '../core/plan.js';

export type SkipReason = 'not_done' | 'needs' | 'violation' | 'review' | 'conflict' | 'red' | 'setup';

export interface Skip {
  id: PhaseId;
  reason: SkipReason;
  detail: string;
  /**
   * Whether this skip makes integrate exit 1: a done phase left out for something a person must
   * fix (violation, review, conflict, red), directly or through a need. Phases that are simply
   * not done yet (or wait for one that is not) never fail the run.
   */
  fails: boolean;
}

export interface Violation {
  commit: string;
  path: string;
  owner: string;
}

export interface PhaseFacts {
  id: PhaseId;
  /** The phase's state as the store derives it (`done`, `running`, `integrated`, ...). */
  state: string;
  /** The session that worked it (the merge message names it). */
  session: string;
  /** Current tip of `parallel/<id>`, if the branch exists. */
  tip?: string;
  /** Integrated by refs (ancestry of base or the integration branch, or by content). */
  integrated?: 'ancestry' | 'content';
  /** Ownership violations among the phase's own commits at `tip`. */
  violations: Violation[];
  /**
   * Its branch is gone (renamed or deleted from its worktree): where the work is and the fix;
   * `done` when its session had finished (then leaving it out fails the run).
   */
  missingBranch?: { detail: string; done: boolean };
}

export interface ReviewVerdict {
  /** The reviewer phase. */
  reviewer: PhaseId;
  verdict: 'approve' | 'reject';
  /** The reviewed phase's tip the verdict applies to. */
  tip: string;
  message?: string;
}

export interface PlannerInput {
  phases: readonly Phase[];
  facts: ReadonlyMap<PhaseId, PhaseFacts>;
  /** Latest verdict of each reviewer, keyed by the reviewed phase. */
  reviews: ReadonlyMap<PhaseId, readonly ReviewVerdict[]>;
}

export interface MergeStep {
  id: PhaseId;
  session: string;
  /** The pinned tip: what gets merged, whatever the branch does meanwhile. */
  tip: string;
}

export interface IntegratePlan {
  /** Every non-reviewer phase in dependency order (ties: declaration order). */
  order: PhaseId[];
  /** Phases to merge, in order. */
  merge: MergeStep[];
  /** Phases already integrated (by ancestry, or by content: a squash merge). */
  already: { id: PhaseId; how: 'ancestry' | 'content' }[];
  skipped: Skip[];
}

const DONE_STATES = new Set(['done', 'integrated']);

/** The message of a phase's merge commit. */
export function mergeMessage(id: PhaseId, session: string): string {
  return `parallel: integrate ${id} (${session})`;
}

export function short(oid: string): string {
  return oid.slice(0, 7);
}

/** Why a reviewed phase may not merge yet, or undefined when every reviewer approves its tip. */
export function reviewProblem(reviewers: readonly Phase[], verdicts: readonly ReviewVerdict[], tip: string): string | undefined {
  const problems: string[] = [];
  for (const r of reviewers) {
    const v = verdicts.find((x) => x.reviewer === r.id);
    if (!v) problems.push(`${r.id} has not reviewed it yet`);
    else if (v.tip !== tip) problems.push(`${r.id}'s ${v.verdict === 'approve' ? 'approval' : 'rejection'} is for ${short(v.tip)}, but the tip is now ${short(tip)} (stale review: review it again)`);
    else if (v.verdict === 'reject') problems.push(`${r.id} rejected it${v.message ? `: ${v.message}` : ''}`);
  }
  return problems.length ? problems.join('; ') : undefined;
}

function describeViolations(vs: readonly Violation[]): string {
  const shown = vs.slice(0, 3).map((v) => `${short(v.commit)} changes ${v.path} (owned by ${v.owner})`);
  const more = vs.length > 3 ? ` and ${vs.length - 3} more` : '';
  return `${shown.join('; ')}${more}; run "parallel verify" for the list`;
}

/** Build the integrate plan. */
export function planIntegration(input: PlannerInput): IntegratePlan {
  const reviewerIds = new Set(input.phases.filter((p) => p.reviews !== undefined).map((p) => p.id));
  const order = dependencyOrder(input.phases).filter((id) => !reviewerIds.has(id));
  const byId = new Map(input.phases.map((p) => [p.id, p]));
  const result: IntegratePlan = { order, merge: [], already: [], skipped: [] };
  // A need is met when it is already integrated or merges earlier in this run.
  const met = new Set<PhaseId>();
  const skipOf = new Map<PhaseId, Skip>();
  const skip = (s: Skip) => {
    result.skipped.push(s);
    skipOf.set(s.id, s);
  };

  for (const id of order) {
    const phase = byId.get(id)!;
    const f = input.facts.get(id);
    const state = f?.state ?? 'pending';
    if (f?.missingBranch) {
      skip({ id, reason: 'not_done', detail: f.missingBranch.detail, fails: f.missingBranch.done });
      continue;
    }
    if (!DONE_STATES.has(state)) {
      skip({ id, reason: 'not_done', detail: `it is ${state.replace('_', ' ')}`, fails: false });
      continue;
    }
    if (f?.integrated) {
      result.already.push({ id, how: f.integrated });
      met.add(id);
      continue;
    }
    if (!f?.tip) {
      skip({ id, reason: 'not_done', detail: `its branch parallel/${id} does not exist`, fails: false });
      continue;
    }
    if (f.violations.length) {
      skip({ id, reason: 'violation', detail: describeViolations(f.violations), fails: true });
      continue;
    }
    const reviewers = input.phases.filter((p) => p.reviews === id);
    const review = reviewProblem(reviewers, input.reviews.get(id) ?? [], f.tip);
    if (review) {
      skip({ id, reason: 'review', detail: review, fails: true });
      continue;
    }
    // A need on a reviewer phase is met once the phase it reviews is (which requires approval).
    const needs = phase.needs.map((n) => byId.get(n)?.reviews ?? n);
    const unmet = needs.filter((n) => !met.has(n));
    if (unmet.length) {
      const parts = unmet.map((n) => {
        const s = skipOf.get(n);
        return s ? `${n} (${s.reason === 'not_done' ? s.detail : `skipped: ${s.reason}`})` : n;
      });
      const fails = unmet.some((n) => skipOf.get(n)?.fails ?? false);
      skip({ id, reason: 'needs', detail: `needs ${parts.join(', ')}`, fails });
      continue;
    }
    result.merge.push({ id, session: f.session, tip: f.tip });
    met.add(id);
  }
  return result;
}

/**
 * Take phase `id` out of a list of phases to merge, with every phase in it that depends on `id`
 * (they are skipped with reason `needs`). Returns the remaining list and the new skips.
 */
export function dropWithDependents<T extends { id: PhaseId }>(
  phases: readonly Phase[],
  list: readonly T[],
  id: PhaseId,
  reason: SkipReason,
  detail: string,
): { remaining: T[]; skipped: Skip[] } {
  const deps = dependents(phases, id);
  const skipped: Skip[] = [{ id, reason, detail, fails: true }];
  const remaining: T[] = [];
  for (const item of list) {
    if (item.id === id) continue;
    if (deps.has(item.id)) skipped.push({ id: item.id, reason: 'needs', detail: `needs ${id} (skipped: ${reason})`, fails: true });
    else remaining.push(item);
  }
  return { remaining, skipped };
}

/** Whether the run failed: a done phase was left out for something a person must fix. */
export function anyFailing(skipped: readonly Skip[]): boolean {
  return skipped.some((s) => s.fails);
}
