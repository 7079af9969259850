/**
 * A session's environment: `PARALLEL_PHASE`, `PARALLEL_SESSION` and `PORT` (when the plan sets
 * `ports`). Used by `setup`, `exec` and printed by `parallel env`.
 */
import { phaseById, phasePort, type Plan, type PhaseId } from '../core/plan.js';

export function sessionEnv(plan: Plan, phase: PhaseId, session: string): Record<string, string> {
  const p = phaseById(plan, phase);
  const port = p ? phasePort(plan, p) : undefined;
  return {
    PARALLEL_PHASE: phase,
    PARALLEL_SESSION: session,
    ...(port !== undefined ? { PORT: String(port) } : {}),
  };
}

/** `export NAME='value'` lines for a POSIX shell (`eval "$(parallel env)"`). */
export function exportLines(env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`).join('\n');
}
