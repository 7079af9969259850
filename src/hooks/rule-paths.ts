/**
 * Where the compiled rules live, without the compiler (the agents' edit check reads them on every
 * edit and must stay small), and the plan blob the shell hooks last recorded for base.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The plan's ownership as JSON, for the agents' edit check (Node without the YAML parser). */
export const OWNERSHIP_JSON = '.ownership.json';

export function rulesRoot(ctx: { commonDir: string }): string {
  return join(ctx.commonDir, 'parallel', 'rules');
}

/**
 * The plan blob on base from the git hooks' state file (githooks/parallel.sh, `pl_state_fresh`),
 * when it is still fresh: no config file it lists is newer, and base's loose ref still points at
 * the recorded commit. Undefined otherwise (the caller asks git).
 */
export function freshPlanBlob(commonDir: string): string | undefined {
  try {
    const file = join(commonDir, 'parallel', 'cache', 'hook-state');
    const at = statSync(file).mtimeMs;
    const [head, base, baseOid, blob, , ...files] = readFileSync(file, 'utf8').split('\n');
    if (head !== 'parallel-hook-state 1' || !base || !baseOid || !blob) return undefined;
    for (const f of files) if (f && statSync(f, { throwIfNoEntry: false }) && statSync(f).mtimeMs > at) return undefined;
    if (readFileSync(join(commonDir, 'refs', 'heads', base), 'utf8').trim() !== baseOid) return undefined;
    return blob;
  } catch {
    return undefined;
  }
}
