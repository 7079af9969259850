/**
 * What `parallel start` will do for each requested phase, decided from plain facts before
 * anything changes (so that when one phase is refused, none is started). Pure: the workflow
 * gathers the facts from git, the filesystem and the store, then runs the steps.
 */
import { isReviewer, phaseById, phaseBranch, type Plan, type PhaseId } from '../core/plan.js';

export type PathState = 'absent' | 'empty' | 'occupied';

export interface StartFacts {
  plan: Plan;
  /** Phase ids to start (known to exist in the plan). */
  requested: PhaseId[];
  /** `--ready`: phases not ready yet (or already started) are listed, not refused. */
  readyMode: boolean;
  /** `--session ID`, when given. */
  session?: string;
  /** Existing phase worktrees (from their markers). */
  worktrees: Map<PhaseId, { path: string; missing: boolean; session: string }>;
  /** Phase branch tips. */
  tips: Map<PhaseId, string>;
  /** Branch ref -> the worktree it is checked out in (any worktree). */
  checkedOut: Map<string, string>;
  /** Phases integrated (into base or the integration branch). */
  integrated: Set<PhaseId>;
  /** The store's view: state and current session per phase; undefined when unknown. */
  states?: Map<PhaseId, { state: string; session: string }>;
  /** Where each phase's worktree goes (from the plan's template) and what is there now. */
  paths: Map<PhaseId, { path: string; state: PathState }>;
}

export type StartStep =
  | {
    kind: 'create';
    phase: PhaseId;
    session: string;
    path: string;
    /** `new`: branch from base/integration; `existing`: check out the phase's branch; `detached`: a reviewer at `tip`. */
    branch: 'new' | 'existing' | 'detached';
    /** The reviewed phase's tip, for `detached`. */
    tip?: string;
    /** A worktree of this phase deleted by hand, whose stale git entry must go first. */
    staleEntry?: string;
  }
  /** The branch is checked out at the expected path but the marker is missing (an interrupted start): mark it. */
  | { kind: 'adopt'; phase: PhaseId; session: string; path: string }
  | { kind: 'already'; phase: PhaseId; session: string; path: string }
  | { kind: 'relay'; phase: PhaseId; from: string; to: string; path: string };

export interface StartDecision {
  steps: StartStep[];
  /** Reasons not to start (any one stops the whole command). */
  refusals: { phase: PhaseId; reason: string }[];
  /** `--ready` only: phases left alone and why. */
  waiting: { phase: PhaseId; reason: string }[];
}

/** Session states in which another session may take the phase over. */
export const RELAY_STATES = new Set(['done', 'integrated', 'failed', 'stale', 'timed_out', 'missing']);

export function decideStart(f: StartFacts): StartDecision {
  const out: StartDecision = { steps: [], refusals: [], waiting: [] };
  const refuse = (phase: PhaseId, reason: string) => out.refusals.push({ phase, reason });
  // In --ready mode "not ready" is no refusal; a real obstacle still is.
  const notReady = (phase: PhaseId, reason: string) => (f.readyMode ? out.waiting.push({ phase, reason }) : refuse(phase, reason));

  for (const id of f.requested) {
    const phase = phaseById(f.plan, id)!;
    const session = f.session ?? id;
    const wt = f.worktrees.get(id);
    const target = f.paths.get(id)!;
    const branchRef = `refs/heads/${phaseBranch(id)}`;

    if (wt && !wt.missing) {
      if (f.readyMode) {
        out.waiting.push({ phase: id, reason: `already started (session ${wt.session}) at ${wt.path}` });
      } else if (f.session === undefined || f.session === wt.session) {
        out.steps.push({ kind: 'already', phase: id, session: wt.session, path: wt.path });
      } else {
        const st = f.states?.get(id);
        if (!st) {
          refuse(id, `a relay from session ${wt.session} to ${f.session} needs the session's state, and this build cannot read the coordination store; finish it first ("parallel done" or "parallel fail" in ${wt.path}) or remove the worktree ("parallel remove ${id}")`);
        } else if (!RELAY_STATES.has(st.state)) {
          refuse(id, `session ${wt.session} is still ${st.state}; a relay to ${f.session} is allowed once it is done, failed, stale or timed out (ask it to run "parallel handoff" and "parallel done" or "parallel fail")`);
        } else {
          out.steps.push({ kind: 'relay', phase: id, from: wt.session, to: f.session, path: wt.path });
        }
      }
      continue;
    }
    if (f.readyMode && wt?.missing) {
      out.waiting.push({ phase: id, reason: `its worktree ${wt.path} was deleted by hand; run "parallel start ${id}" to recreate it, or "parallel prune"` });
      continue;
    }

    // An interrupted start can leave the branch checked out at the right place with no marker yet.
    const where = f.checkedOut.get(branchRef);
    if (!wt && where !== undefined && where === target.path && !isReviewer(phase)) {
      if (f.readyMode) out.waiting.push({ phase: id, reason: `its branch is checked out at ${where} without a phase marker; run "parallel start ${id}"` });
      else out.steps.push({ kind: 'adopt', phase: id, session, path: where });
      continue;
    }

    const pathProblem = target.state === 'occupied' && target.path !== wt?.path
      ? `${target.path} already exists and is not the worktree of ${id}; move it away, or choose another place with "worktrees:" in the plan (now "${f.plan.worktrees}")`
      : undefined;

    if (isReviewer(phase)) {
      const reviewed = phase.reviews!;
      const st = f.states?.get(reviewed);
      if (!f.states) {
        refuse(id, `a reviewer phase (it needs no branch of its own) that starts once ${reviewed} is done, but this build cannot read the coordination store to know that`);
      } else if (st?.state !== 'done') {
        notReady(id, `a reviewer phase: it needs no branch of its own and starts once ${reviewed} is done (${reviewed} is ${st?.state ?? 'pending'})`);
      } else if (!f.tips.has(reviewed)) {
        refuse(id, `${reviewed} is done but its branch ${phaseBranch(reviewed)} does not exist; there is nothing to review`);
      } else if (pathProblem) {
        refuse(id, pathProblem);
      } else {
        out.steps.push({ kind: 'create', phase: id, session, path: target.path, branch: 'detached', tip: f.tips.get(reviewed)!, ...(wt?.missing ? { staleEntry: wt.path } : {}) });
      }
      continue;
    }

    if (f.tips.has(id)) {
      // The branch exists (an earlier start, a removed worktree, or made by hand): reuse it.
      if (f.readyMode) {
        out.waiting.push({ phase: id, reason: `its branch ${phaseBranch(id)} exists but has no worktree; run "parallel start ${id}" to reopen it` });
      } else if (where !== undefined && where !== wt?.path) {
        refuse(id, `its branch ${phaseBranch(id)} is checked out in ${where}; switch that worktree to another branch ("git -C '${where}' switch --detach") or remove it, then start again`);
      } else if (pathProblem) {
        refuse(id, pathProblem);
      } else {
        out.steps.push({ kind: 'create', phase: id, session, path: target.path, branch: 'existing', ...(wt?.missing ? { staleEntry: wt.path } : {}) });
      }
      continue;
    }

    if (f.readyMode) {
      const st = f.states?.get(id);
      if (st && st.state !== 'pending') {
        out.waiting.push({ phase: id, reason: `already ${st.state}` });
        continue;
      }
    }
    const missingNeeds = phase.needs.filter((n) => !f.integrated.has(n));
    if (missingNeeds.length) {
      notReady(id, `it needs ${missingNeeds.join(', ')}, not integrated yet (finish ${missingNeeds.length === 1 ? 'it' : 'them'}, then run "parallel integrate")`);
    } else if (pathProblem) {
      refuse(id, pathProblem);
    } else {
      out.steps.push({ kind: 'create', phase: id, session, path: target.path, branch: 'new', ...(wt?.missing ? { staleEntry: wt.path } : {}) });
    }
  }
  return out;
}
