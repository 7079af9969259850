/**
 * Where the compiled rules live, without the compiler (the agents' edit check reads them on every
 * edit and must stay small), and the plan blob the shell hooks last recorded for base.
 */
import { join } from 'node:path';
import { freshHookState, recordAgentState } from '../git/hook-state.js';

/** The plan's ownership as JSON, for the agents' edit check (Node without the YAML parser). */
export const OWNERSHIP_JSON = '.ownership.json';

export function rulesRoot(ctx: { commonDir: string }): string {
  return join(ctx.commonDir, 'parallel', 'rules');
}

/** The plan blob on base while the hooks' (or agents') cached state is fresh (src/git/hook-state.ts). */
export function freshPlanBlob(commonDir: string): string | undefined {
  return freshHookState(commonDir)?.blob;
}

export { recordAgentState as recordPlanBlob };
