/**
 * SPEC's one rule for "integrated", shared by status, integrate, start, prune and remove: a
 * phase whose current session is done and whose tip refs show in base or the integration branch
 * (or by content in base). A done phase with no commits of its own has nothing to merge and
 * counts (it satisfies `needs`); a started phase with no commits and no `done` does not, although
 * its tip, the commit it branched from, is reachable from base. Both come from shared facts (the
 * coordination store's events and the refs), so every clone decides the same after `sync`; no
 * local reflog is consulted. The derivation itself is `derivePhaseStates` (src/core/phase-state.ts).
 */
import type { RepoContext } from '../git/repo.js';
import type { Plan, PhaseId } from '../core/plan.js';
import { readPhaseStates } from './events.js';

/** Of `ids`, the phases that count as integrated now (their state is `integrated`). */
export async function integratedNow(ctx: RepoContext, plan: Plan, ids: readonly PhaseId[]): Promise<Set<PhaseId>> {
  if (ids.length === 0) return new Set();
  const states = await readPhaseStates(ctx, plan);
  return new Set(ids.filter((id) => states.get(id)?.state === 'integrated'));
}
