/**
 * Compiling a phase's ownership into the form the shell hooks run (pure). A phase may change
 * `shared` paths and its `owns` minus its `exclude`, never `.parallel.yml`.
 *
 * Two tiers, both only ever allowing what the TypeScript matcher (`core/ownership.ts`) allows:
 * - `case`: every pattern is a file or folder name (`src/auth`, `src/auth/`, `src/**`, `**`), a
 *   glob whose wildcards stay inside segments (`src/*.ts`, `lib/[ab]?/x`, matched with a slash
 *   count, see `caseRule`), or `prefix/**` followed by a name or `*.ext`: a shell `case` over the
 *   staged paths decides exactly, with no extra git call.
 * - `pathspec`: anything else (several `**`, ranges, or a last segment after `**` other than a
 *   name or `*.ext`): git decides with `:(glob)` and
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
import { shQuote } from '../core/shell-quote.js';
import { REFUSED_FOOTER, stagedRefusal } from '../enforce/message.js';

export const RULES_FORMAT = 3;

export { shQuote };

/**
 * How `case` decides one brace-free glob: the path must match `pos` and, when set, not `neg`.
 * In `case`, `*`, `?` and `[...]` also match `/`, so a glob with wildcards inside its segments
 * is matched together with a slash count: a path with exactly as many `/` as the glob cannot let
 * a wildcard absorb one (every literal `/` of the glob needs its own). `neg` is the pattern of
 * paths with one `/` more, so pos-and-not-neg is exactly the glob.
 */
export interface CaseRule {
  pos: string;
  neg?: string;
}

/** One segment with `*`, `?` and simple classes as a `case` pattern; undefined when not expressible exactly. */
function caseSegment(seg: string): string | undefined {
  let out = '';
  let literal = '';
  const flush = () => {
    if (literal) out += shQuote(literal);
    literal = '';
  };
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*' || c === '?') {
      // `**` inside a segment is a plain star to the matcher; keep the translation simple.
      if (c === '*' && seg[i + 1] === '*') return undefined;
      flush();
      out += c;
    } else if (c === '[') {
      const close = seg.indexOf(']', i + 1);
      if (close === -1) return undefined;
      let body = seg.slice(i + 1, close);
      let negate = '';
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = '!';
        body = body.slice(1);
      }
      // Ranges depend on the shell's locale (bash on macOS): only plain character lists.
      if (!/^[A-Za-z0-9._]+$/.test(body)) return undefined;
      flush();
      out += `[${negate}${body}]`;
      i = close;
    } else if (c === '{' || c === '}' || c === ']') {
      return undefined;
    } else {
      literal += c;
    }
  }
  flush();
  return out;
}

/** The `case` rule for one brace-free glob, or undefined when `case` cannot express it exactly. */
export function caseRule(glob: string): CaseRule | undefined {
  if (glob === '**') return { pos: '*' };
  if (!GLOB_CHARS.test(glob)) return { pos: shQuote(glob) };
  const segs = glob.split('/');
  const stars = segs.filter((x) => x === '**').length;
  if (stars === 0) {
    const parts = segs.map(caseSegment);
    if (parts.some((x) => x === undefined)) return undefined;
    return { pos: parts.join('/'), neg: Array.from({ length: segs.length + 1 }, () => '*').join('/') };
  }
  if (stars !== 1) return undefined;
  const at = segs.indexOf('**');
  const prefix = segs.slice(0, at);
  // `dir/name*/**`: only the last folder has a wildcard, a trailing star. A star that absorbs a
  // `/` in case only moves where that folder ends; the path still starts `dir/name` and has a
  // segment after it, which is all the glob asks.
  if (at === segs.length - 1 && prefix.length > 0) {
    const lastDir = prefix[prefix.length - 1]!;
    const head = prefix.slice(0, -1);
    if (!head.some((x) => GLOB_CHARS.test(x)) && lastDir.endsWith('*') && !GLOB_CHARS.test(lastDir.slice(0, -1))) {
      return { pos: `${shQuote([...head, lastDir.slice(0, -1)].join('/'))}*/*` };
    }
  }
  if (prefix.some((x) => GLOB_CHARS.test(x))) return undefined;
  const dir = prefix.length ? shQuote(`${prefix.join('/')}/`) : '';
  const tail = segs.slice(at + 1);
  if (tail.length === 0) return prefix.length ? { pos: `${dir}*` } : { pos: '*' };
  if (tail.length !== 1) return undefined;
  const last = tail[0]!;
  // `**/name`: the name at any depth below the prefix.
  if (!GLOB_CHARS.test(last)) return { pos: `${dir}${shQuote(last)}|${dir}*${shQuote(`/${last}`)}` };
  // `**/*.ext`: any path below the prefix whose last segment ends with the literal (a path ending
  // with a slash-free literal ends its last segment with it).
  const rest = last.slice(1);
  if (last.startsWith('*') && !GLOB_CHARS.test(rest)) return { pos: `${dir}*${rest ? shQuote(rest) : ''}` };
  return undefined;
}

function caseRules(patterns: readonly string[]): CaseRule[] | undefined {
  const out: CaseRule[] = [];
  for (const glob of patterns.flatMap(expandPattern)) {
    const rule = caseRule(glob);
    if (rule === undefined) return undefined;
    out.push(rule);
  }
  return out;
}

function caseBranch(rules: readonly CaseRule[], verdict: 0 | 1): string {
  const plain = rules.filter((r) => !r.neg).map((r) => r.pos);
  let text = plain.length ? `  case $1 in ${plain.join('|')}) return ${verdict} ;; esac\n` : '';
  for (const r of rules) {
    if (r.neg) text += `  case $1 in ${r.neg}) ;; ${r.pos}) return ${verdict} ;; esac\n`;
  }
  return text;
}

/** One pathspec per brace-free glob, with the given magic. */
export function pathspecs(patterns: readonly string[], magic: string): string[] {
  return patterns.flatMap(expandPattern).map((g) => `:(${magic})${g}`);
}

/** The shell text of a phase's rules file (sourced by the hooks). */
export function compilePhaseRules(plan: Pick<Plan, 'shared'>, phase: Pick<Phase, 'id' | 'owns' | 'exclude'>, what = `phase ${phase.id}`): string {
  const head = `# parallel rules ${RULES_FORMAT} for ${what} (compiled from ${PLAN_FILE} on base; do not edit)\n`;
  const shared = caseRules(plan.shared);
  const owns = caseRules(phase.owns);
  const exclude = caseRules(phase.exclude);
  if (shared && owns && exclude) {
    return head + 'pl_tier=case\npl_allowed() {\n'
      + caseBranch([{ pos: shQuote(PLAN_FILE) }], 1)
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

/** The file of the refusal text the shell hooks print themselves (see `compileOwners`). */
export const OWNERS_RULES = '.owners';

/**
 * Who owns a path, as the shell runs it, so a refused commit is explained without starting Node:
 * `pl_owners PATH` sets `pl_who` to what `describeOwner` says (the owning phases, owns minus
 * exclude, in plan order, or "nobody"), and `pl_refuse PATH` prints `stagedRefusal`'s paragraph.
 * The text comes from the same functions Node uses, with placeholders; the hook uses it only for
 * paths the message prints as they are (letters, digits and `_@%+=:,./-`, not starting with `-`),
 * so the quoting `shellArg`/`showPath` would add never comes up. Undefined when some phase's
 * rules are not expressible as `case` patterns (Node explains then).
 */
export function compileOwners(plan: Pick<Plan, 'phases'>): string | undefined {
  const fns: string[] = [];
  const calls: string[] = [];
  for (const [i, phase] of plan.phases.entries()) {
    const owns = caseRules(phase.owns);
    const exclude = caseRules(phase.exclude);
    if (!owns || !exclude) return undefined;
    fns.push(`pl_o${i}() {\n${caseBranch(exclude, 1)}${caseBranch(owns, 0)}  return 1\n}\n`);
    calls.push(`  pl_o${i} "$1" && pl_who="\${pl_who:+$pl_who, }${phase.id}"\n`);
  }
  const template = stagedRefusal('@P@', { kind: 'foreign', path: '@F@', owner: '@O@', status: 'M' });
  const vars: Record<string, string> = { '@P@': '"$pl_phase"', '@F@': '"$1"', '@O@': '"$pl_who"' };
  const text = template.split(/(@P@|@F@|@O@)/).map((x) => vars[x] ?? (x ? shQuote(x) : '')).join('');
  return `# parallel owners ${RULES_FORMAT} (compiled from ${PLAN_FILE} on base; do not edit)\n`
    + fns.join('')
    + `pl_owners() {\n  pl_who=\n${calls.join('')}  [ -n "$pl_who" ] || pl_who=nobody\n}\n`
    + `pl_refuse() {\n  pl_owners "$1"\n  printf '%s\\n' ${text}\n}\n`
    + `pl_refused_footer=${shQuote(REFUSED_FOOTER)}\n`;
}
