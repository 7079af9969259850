/**
 * The dependency graph of a plan: a phase depends on its `needs` and on the phase it `reviews`.
 * Pure functions over phases: cycles, waves, dependency order, and which phases may run at once.
 */
import type { Phase, PhaseId } from './plan.js';

type Node = Pick<Phase, 'id' | 'needs' | 'reviews'>;

function depsOf(p: Node): PhaseId[] {
  return p.reviews !== undefined ? [...p.needs, p.reviews] : p.needs;
}

/** A cycle as a closed path (`[a, b, c, a]`), or undefined. Unknown ids are ignored. */
export function findCycle(phases: readonly Node[]): PhaseId[] | undefined {
  const byId = new Map(phases.map((p) => [p.id, p]));
  const state = new Map<PhaseId, 'open' | 'closed'>();
  const stack: PhaseId[] = [];
  const walk = (id: PhaseId): PhaseId[] | undefined => {
    state.set(id, 'open');
    stack.push(id);
    for (const dep of depsOf(byId.get(id)!)) {
      if (!byId.has(dep)) continue;
      const s = state.get(dep);
      if (s === 'open') return [...stack.slice(stack.indexOf(dep)), dep];
      if (s === undefined) {
        const found = walk(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'closed');
    return undefined;
  };
  for (const p of phases) {
    if (state.get(p.id) === undefined) {
      const found = walk(p.id);
      if (found) return found;
    }
  }
  return undefined;
}

/** Waves: wave k holds the phases whose dependencies all lie in waves < k. Declaration order within a wave. */
export function computeWaves(phases: readonly Node[]): PhaseId[][] {
  const byId = new Map(phases.map((p) => [p.id, p]));
  const level = new Map<PhaseId, number>();
  const levelOf = (id: PhaseId): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    const deps = depsOf(byId.get(id)!).filter((d) => byId.has(d));
    const l = deps.length ? Math.max(...deps.map(levelOf)) + 1 : 0;
    level.set(id, l);
    return l;
  };
  const waves: PhaseId[][] = [];
  for (const p of phases) {
    const l = levelOf(p.id);
    (waves[l] ??= []).push(p.id);
  }
  return waves.filter(Boolean);
}

/** Topological order by dependencies, ties broken by declaration order. */
export function dependencyOrder(phases: readonly Node[]): PhaseId[] {
  const remaining = [...phases];
  const done = new Set<PhaseId>();
  const ids = new Set(phases.map((p) => p.id));
  const order: PhaseId[] = [];
  while (remaining.length) {
    const i = remaining.findIndex((p) => depsOf(p).every((d) => done.has(d) || !ids.has(d)));
    if (i === -1) throw new Error('dependencyOrder: cycle');
    const [p] = remaining.splice(i, 1);
    order.push(p!.id);
    done.add(p!.id);
  }
  return order;
}

/** Every phase reachable from `id` through needs/reviews (not including `id`). */
export function ancestors(phases: readonly Node[], id: PhaseId): Set<PhaseId> {
  const byId = new Map(phases.map((p) => [p.id, p]));
  const seen = new Set<PhaseId>();
  const stack = [...depsOf(byId.get(id) ?? { id, needs: [] })];
  while (stack.length) {
    const d = stack.pop()!;
    if (seen.has(d) || !byId.has(d)) continue;
    seen.add(d);
    stack.push(...depsOf(byId.get(d)!));
  }
  return seen;
}

/** Every phase that depends on `id`, directly or not (not including `id`). */
export function dependents(phases: readonly Node[], id: PhaseId): Set<PhaseId> {
  const out = new Set<PhaseId>();
  for (const p of phases) if (p.id !== id && ancestors(phases, p.id).has(id)) out.add(p.id);
  return out;
}

/** Two phases may run at once when neither can reach the other through needs/reviews. */
export function mayRunAtOnce(phases: readonly Node[], a: PhaseId, b: PhaseId): boolean {
  if (a === b) return false;
  return !ancestors(phases, a).has(b) && !ancestors(phases, b).has(a);
}
