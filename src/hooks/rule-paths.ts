/**
 * Where the compiled rules live, without the compiler (the agents' edit check reads them on every
 * edit and must stay small), and the plan blob the shell hooks last recorded for base.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
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
  return stateBlob(commonDir, 'hook-state') ?? stateBlob(commonDir, AGENT_STATE);
}

/**
 * The agents' own record of the same fact, in the hook state's format, for a repository where no
 * git hook has run since base last moved (a fresh worktree, a plan just committed): written when
 * the edit check had to ask git, and judged fresh by the same rules.
 */
const AGENT_STATE = 'agent-state';

export function recordPlanBlob(commonDir: string, base: string, baseOid: string, blob: string): void {
  try {
    const dir = join(commonDir, 'parallel', 'cache');
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `.${AGENT_STATE}-${process.pid}`);
    writeFileSync(tmp, ['parallel-hook-state 1', base, baseOid, blob, '', join(commonDir, 'config')].join('\n') + '\n');
    renameSync(tmp, join(dir, AGENT_STATE));
  } catch {
    // a read-only cache only costs the next edit two git calls
  }
}

function stateBlob(commonDir: string, name: string): string | undefined {
  try {
    const file = join(commonDir, 'parallel', 'cache', name);
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
