/**
 * Compiling a phase's ownership into the form the shell hooks run (pure). A phase may change
 * `shared` paths and its `owns` minus its `exclude`, never `.parallel.yml`.
 *
 * Two tiers, both only ever allowing what the TypeScript matcher (`core/ownership.ts`) allows:
 * - `case`: every pattern is a file or folder name (`src/auth`, `src/auth/`, `src/**`, `**`): a
 *   shell `case` over the staged paths decides exactly, with no extra git call.
 * - `pathspec`: anything else (`*`, `?`, `[...]` inside names): git decides with `:(glob)` and
 *   `:(exclude)` pathspecs. `pl_outside` lists changed paths outside owns and shared,
 *   `pl_excluded` changed paths hit by `exclude` (and not shared); both empty means allowed.
 * Paths git would quote (non-ASCII, control characters), symlinks, submodules and the plan
 * file never reach either tier: the hook sends them to Node. A phase that is not in the plan (a
 * worktree whose phase was dropped from the plan on base) may change only `shared` paths: its
 * rules are those of a phase that owns nothing (`compileNotInPlanRules`).
 */
import { expandPattern } from '../core/ownership.js';
import { GLOB_CHARS } from '../core/glob-rules.js';
import { PLAN_FILE, type Phase, type Plan } from '../core/plan.js';

export const RULES_FORMAT = 1;

/** Single-quote a string for POSIX sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `case` pattern for one brace-free glob, or undefined when `case` cannot express it exactly. */
export function caseAlternative(glob: string): string | undefined {
  if (glob === '**') return '*';
  if (!GLOB_CHARS.test(glob)) return shQuote(glob);
  if (glob.endsWith('/**')) {
    const dir = glob.slice(0, -3);
    if (dir !== '' && !GLOB_CHARS.test(dir)) return `${shQuote(`${dir}/`)}*`;
  }
  return undefined;
}

function caseAlternatives(patterns: readonly string[]): string[] | undefined {
  const out: string[] = [];
  for (const glob of patterns.flatMap(expandPattern)) {
    const alt = caseAlternative(glob);
    if (alt === undefined) return undefined;
    out.push(alt);
  }
  return out;
}

function caseBranch(alts: readonly string[], verdict: 0 | 1): string {
  return alts.length ? `  case $1 in ${alts.join('|')}) return ${verdict} ;; esac\n` : '';
}

/** One pathspec per brace-free glob, with the given magic. */
export function pathspecs(patterns: readonly string[], magic: string): string[] {
  return patterns.flatMap(expandPattern).map((g) => `:(${magic})${g}`);
}

/** The shell text of a phase's rules file (sourced by the hooks). */
export function compilePhaseRules(plan: Pick<Plan, 'shared'>, phase: Pick<Phase, 'id' | 'owns' | 'exclude'>, what = `phase ${phase.id}`): string {
  const head = `# parallel rules ${RULES_FORMAT} for ${what} (compiled from ${PLAN_FILE} on base; do not edit)\n`;
  const shared = caseAlternatives(plan.shared);
  const owns = caseAlternatives(phase.owns);
  const exclude = caseAlternatives(phase.exclude);
  if (shared && owns && exclude) {
    return head + 'pl_tier=case\npl_allowed() {\n'
      + caseBranch([shQuote(PLAN_FILE)], 1)
      + caseBranch(shared, 0)
      + caseBranch(exclude, 1)
      + caseBranch(owns, 0)
      + '  return 1\n}\n';
  }
  const outside = [':(top)', ...pathspecs([...phase.owns, ...plan.shared], 'exclude,glob')];
  const lines = [head, 'pl_tier=pathspec\n', `pl_outside() { "$@" -- ${outside.map(shQuote).join(' ')}; }\n`];
  if (phase.exclude.length) {
    const excluded = [...pathspecs(phase.exclude, 'glob'), ...pathspecs(plan.shared, 'exclude,glob')];
    lines.push(`pl_excluded() { "$@" -- ${excluded.map(shQuote).join(' ')}; }\n`);
  } else {
    lines.push('pl_excluded() { :; }\n');
  }
  return lines.join('');
}

/** The rules of any phase that is not in the plan: only `shared` paths, as the matcher says. */
export function compileNotInPlanRules(plan: Pick<Plan, 'shared'>): string {
  return compilePhaseRules(plan, { id: '', owns: [], exclude: [] }, 'phases not in the plan (shared paths only)');
}
