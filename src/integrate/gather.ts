/**
 * Gather what the planner needs, from refs and the coordination store: the committed plan on
 * base, each phase's state and session, reviewers' verdicts, branch tips (pinned now), what is
 * already integrated, and ownership violations among each candidate's own commits at its tip.
 */
import { gitTry } from '../git/git.js';
import { resolveBase, type RepoContext } from '../git/repo.js';
import { readCommittedPlan, VERIFIED } from '../config/plan-source.js';
import { integratedPhases } from '../git/integrated.js';
import type { Plan } from '../core/plan.js';
import { gatherPhaseStates } from '../store/gather.js';
import { currentRecord, reviewsByPhase } from '../core/phase-state.js';
import type { PhaseFacts, PlannerInput, ReviewVerdict, Violation } from './plan-steps.js';
import { verifyCommits } from '../enforce/verify.js';
import { integrationTrust, type IntegrationTrust } from '../store/trusted.js';

export interface Gathered {
  base: string;
  baseOid: string;
  planBlob: string;
  plan: Plan;
  integration: string | null;
  /** How far the integration branch is trusted (integrate refuses to build on strays). */
  trust: IntegrationTrust;
  input: PlannerInput;
}

function rev(ctx: RepoContext, ref: string): string | null {
  return gitTry(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: ctx.toplevel });
}

export async function gather(ctx: RepoContext): Promise<Gathered> {
  const base = resolveBase(ctx, VERIFIED);
  const { plan, blob } = await readCommittedPlan(ctx, base, VERIFIED);
  const { rows, records, baseTip, integrationTip } = await gatherPhaseStates(ctx, plan, base);
  const baseOid = baseTip ?? rev(ctx, `refs/heads/${base}`)!;
  const integration = integrationTip ?? null;
  const trust = integrationTrust(ctx.toplevel, base, integration);
  // A phase's own commits end at base and the TRUSTED tip, not wherever the branch points.
  const not = [`refs/heads/${base}`, ...(trust.trusted ? [trust.trusted] : [])];
  // How each integrated phase got there (ancestry, or by content: a squash merge).
  const integratedIds = rows.filter((r) => r.state === 'integrated').map((r) => r.id);
  const how = integratedIds.length ? integratedPhases(ctx.toplevel, base, integratedIds) : new Map<string, 'ancestry' | 'content'>();
  const facts = new Map<string, PhaseFacts>();
  const candidates = new Map<string, string>();
  for (const row of rows) {
    if (row.reviews) continue;
    const f: PhaseFacts = {
      id: row.id,
      state: row.state,
      session: row.session ?? row.id,
      ...(row.tip ? { tip: row.tip } : {}),
      ...(row.state === 'integrated' ? { integrated: how.get(row.id) ?? 'ancestry' } : {}),
      violations: [],
    };
    if (row.missing?.reason === 'branch') {
      const done = currentRecord(records.filter((r) => r.phase === row.id))?.state === 'done';
      f.missingBranch = { detail: `its branch parallel/${row.id} is missing (deleted or renamed from its worktree); fix: ${row.missing.fix}`, done };
    }
    facts.set(row.id, f);
    if (row.state === 'done' && row.tip) candidates.set(row.id, row.tip);
  }
  // Ownership of each candidate's own commits up to its PINNED tip (what would be merged).
  for (const [id, tip] of candidates) {
    facts.get(id)!.violations = verifyCommits(ctx, plan, base, id, { tip, not }).map((v): Violation => ({ commit: v.commit, path: v.path, owner: v.owner }));
  }
  const reviews = new Map<string, ReviewVerdict[]>();
  for (const [id, list] of reviewsByPhase(rows)) reviews.set(id, list.map((v) => ({ reviewer: v.reviewer, verdict: v.verdict, tip: v.tip, message: v.message })));
  return {
    base,
    baseOid,
    planBlob: blob,
    plan,
    integration,
    trust,
    input: { phases: plan.phases, facts, reviews },
  };
}
