/**
 * Everything the brief shows, gathered in one place: the static part from the committed plan,
 * the live part (decisions, what needed phases delivered, ticked items, a relay's handoff) from
 * the coordination store when this build has one. `renderBrief` (src/core/brief.ts) is pure.
 */
import { mayRunAtOnce } from '../core/graph.js';
import { isReviewer, phaseById, phaseBranch, phasePort, type Phase, type Plan } from '../core/plan.js';
import type { BriefData } from '../core/brief.js';
import type { RepoContext } from '../git/repo.js';
import { liveBriefParts } from './events.js';
import { scratchRelPath } from './scratch-dir.js';

export interface BriefTarget {
  phase: Phase;
  session: string;
  /** For a reviewer: the commit under review. */
  reviewedTip?: string;
}

/** The static part of a brief, from the plan alone. */
export function staticBriefData(plan: Plan, base: string, t: BriefTarget): BriefData {
  const p = t.phase;
  const reviewed = p.reviews ? phaseById(plan, p.reviews) : undefined;
  return {
    workspace: plan.name,
    base,
    phase: {
      id: p.id, task: p.task, owns: p.owns, exclude: p.exclude, criteria: p.criteria,
      checklist: p.checklist.map((c) => ({ ...c })),
      ...(p.reviews ? { reviews: p.reviews } : {}),
    },
    session: t.session,
    ...(isReviewer(p) ? {} : { branch: phaseBranch(p.id) }),
    ...(reviewed ? { reviewed: { id: reviewed.id, task: reviewed.task, owns: reviewed.owns, ...(t.reviewedTip ? { tip: t.reviewedTip } : {}) } } : {}),
    port: phasePort(plan, p),
    scratchDir: `${scratchRelPath(t.session)}/`,
    shared: plan.shared,
    concurrent: plan.phases
      .filter((o) => o.id !== p.id && !isReviewer(o) && mayRunAtOnce(plan.phases, p.id, o.id))
      .map((o) => ({ id: o.id, owns: o.owns })),
    needs: p.needs.map((id) => ({ id, task: phaseById(plan, id)?.task ?? '' })),
    test: plan.test,
    heartbeatTimeout: plan.timeouts.heartbeat,
    ...(plan.agents?.length ? { agents: [...plan.agents] } : {}),
  };
}

/** The full brief data: the plan's part plus whatever the store knows. */
export async function gatherBriefData(ctx: RepoContext, plan: Plan, base: string, t: BriefTarget): Promise<BriefData> {
  const data = staticBriefData(plan, base, t);
  const live = await liveBriefParts(ctx, plan, t.phase.id, t.session);
  if (!live) return data;
  if (live.decisions) data.decisions = live.decisions;
  if (live.handoff) data.handoff = live.handoff;
  if (live.delivered) {
    for (const n of data.needs) {
      const d = live.delivered.get(n.id);
      if (d) n.delivered = d;
    }
  }
  if (live.ticked) data.phase.checklist.forEach((item, i) => { item.done = live.ticked!.has(i + 1); });
  return data;
}
