/**
 * The worktree commands' door to the coordination store (src/store/store.ts): recording a
 * `start` event, reading phase states (relay and reviewer checks) and the live parts of a brief.
 * The store is imported lazily, so commands that never need it never load it.
 */
import type { RepoContext } from '../git/repo.js';
import type { NewEvent } from '../store/types.js';
import type { Plan, PhaseId } from '../core/plan.js';

/** Record events in one write (one compare-and-swap on the coordination ref, done by the store). */
export async function recordEvents(ctx: RepoContext, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const { appendEvents } = await import('../store/store.js');
  await appendEvents(ctx, events);
}

/** A phase's state as the dashboard derives it, and its current session. */
export interface PhaseSessionState {
  state: string;
  session: string;
}

/** Current state and session per phase. */
export async function readPhaseStates(ctx: RepoContext, plan: Plan): Promise<Map<PhaseId, PhaseSessionState>> {
  const { phaseStates } = await import('../store/store.js');
  return phaseStates(ctx, plan);
}

/** The live part of a brief: what the store knows about a phase and its needs. */
export interface LiveBriefParts {
  decisions?: { at: string; text: string }[];
  /** Needed phase id -> its done message, outputs and handoff. */
  delivered?: Map<PhaseId, { message?: string; handoff?: string; outputs?: string[] }>;
  /** 1-based checklist items ticked. */
  ticked?: Set<number>;
  /** The handoff left by an earlier session of this phase. */
  handoff?: string;
}

export async function liveBriefParts(ctx: RepoContext, plan: Plan, phase: PhaseId, session: string): Promise<LiveBriefParts> {
  const { briefFacts } = await import('../store/store.js');
  return briefFacts(ctx, plan, phase, session);
}
