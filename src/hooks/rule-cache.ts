/**
 * The compiled rules the shell hooks read: `<common dir>/parallel/rules/<plan blob>/<phase id>`,
 * one file per phase, `.not-in-plan` (the shared-only rules of a phase the plan no longer has) and
 * `.complete`, for the plan committed on base. Written whole into a
 * temporary folder and renamed into place, so a hook never reads half a rule set.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RepoContext } from '../git/repo.js';
import type { Plan } from '../core/plan.js';
import { OWNERS_RULES, RULES_FORMAT, compileNotInPlanRules, compileOwners, compilePhaseRules } from './rules.js';
import { OWNERSHIP_JSON, rulesRoot } from './rule-paths.js';

export { OWNERSHIP_JSON, rulesRoot };

function readComplete(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The rules file of phases that are not in the plan (a phase id never starts with a dot). */
export const NOT_IN_PLAN_RULES = '.not-in-plan';


/** Compile the rules of `plan` (blob `blob` on base) unless they are there already. */
export function ensureRules(ctx: Pick<RepoContext, 'commonDir'>, plan: Plan, blob: string): void {
  const root = rulesRoot(ctx);
  const dir = join(root, blob);
  // `.complete` names the rules format: a set compiled by an older version (which read `dir/` as
  // what is below the folder only) is compiled again.
  if (readComplete(join(dir, '.complete')) === String(RULES_FORMAT) && existsSync(join(dir, NOT_IN_PLAN_RULES)) && existsSync(join(dir, OWNERSHIP_JSON))) return;
  mkdirSync(root, { recursive: true });
  const tmp = join(root, `.tmp-${blob}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  for (const phase of plan.phases) writeFileSync(join(tmp, phase.id), compilePhaseRules(plan, phase));
  writeFileSync(join(tmp, NOT_IN_PLAN_RULES), compileNotInPlanRules(plan));
  const owners = compileOwners(plan);
  if (owners !== undefined) writeFileSync(join(tmp, OWNERS_RULES), owners);
  const ownership = { shared: plan.shared, phases: plan.phases.map((p) => ({ id: p.id, owns: p.owns, exclude: p.exclude, ...(p.reviews ? { reviews: p.reviews } : {}) })) };
  writeFileSync(join(tmp, OWNERSHIP_JSON), JSON.stringify(ownership));
  writeFileSync(join(tmp, '.complete'), String(RULES_FORMAT));
  try {
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch {
    // Another hook compiled the same blob at the same moment: theirs is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
  }
  // Rule sets of older plans are no longer read (a hook that still wants one asks Node).
  for (const name of readdirSync(root)) {
    if (name !== blob && !name.startsWith('.tmp-')) rmSync(join(root, name), { recursive: true, force: true });
  }
}
