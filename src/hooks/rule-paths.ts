/**
 * Where the compiled rules live, without the compiler (the agents' edit check reads them on every
 * edit and must stay small).
 */
import { join } from 'node:path';

/** The plan's ownership as JSON, for the agents' edit check (Node without the YAML parser). */
export const OWNERSHIP_JSON = '.ownership.json';

export function rulesRoot(ctx: { commonDir: string }): string {
  return join(ctx.commonDir, 'parallel', 'rules');
}
