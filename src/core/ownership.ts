/**
 * Ownership, CODEOWNERS-like (SPEC "Ownership semantics"): a pattern with no glob characters
 * names a file or a whole directory; `*` stays in one segment, `**` crosses segments; dotfiles
 * match like any file; matching is case-sensitive on NFC-normalized paths.
 *
 * Patterns are parsed once by the plan's glob grammar (`glob-rules.ts`) and compiled into one
 * RegExp per pattern list, so matching 10,000 paths costs a few milliseconds.
 */
import { GLOB_CHARS, patternGlobs, tokenizeGlob, type GlobToken } from './glob-rules.js';
import { PLAN_FILE, type Phase, type PhaseId, type Plan } from './plan.js';

/**
 * Rewrite a plan pattern into the brace-free globs it stands for (`src/auth` -> `src/auth`,
 * `src/auth/**`). The results are valid minimatch and git `:(glob)` patterns.
 */
export function expandPattern(pattern: string): string[] {
  return patternGlobs(pattern);
}

export interface PathMatcher {
  (path: string): boolean;
}

function escapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

function classSource(tok: Extract<GlobToken, { t: 'cls' }>): string {
  const body = tok.ranges.map(([lo, hi]) => lo === hi ? `\\u{${lo.toString(16)}}` : `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`).join('');
  return tok.neg ? `[^/${body}]` : `(?!/)[${body}]`;
}

/** The RegExp source (anchored by the caller) of one brace-free glob. */
export function globSource(glob: string): string {
  return tokenizeGlob(glob).map((tok) => {
    switch (tok.t) {
      case 'lit': return escapeChar(tok.c);
      case 'one': return '[^/]';
      case 'cls': return classSource(tok);
      case 'star': return '[^/]*';
      case 'any': return '[^]';
      case 'anyStar': return '[^]*';
      case 'dirs': return '(?:[^]*/)?';
    }
  }).join('');
}

/** One RegExp for a list of plan patterns, or undefined when the list is empty. */
export function patternsRegExp(patterns: readonly string[]): RegExp | undefined {
  const globs = patterns.flatMap(expandPattern);
  if (globs.length === 0) return undefined;
  return new RegExp(`^(?:${globs.map(globSource).join('|')})$`, 'u');
}

export function compilePatterns(patterns: readonly string[]): PathMatcher {
  const raw = compileNormalized(patterns);
  return (path: string) => raw(nfc(path));
}

/** Like `compilePatterns`, for paths that are already NFC (callers matching many paths normalize once). */
export function compileNormalized(patterns: readonly string[]): PathMatcher {
  const re = patternsRegExp(patterns);
  if (!re) return () => false;
  // Plain file and directory names are the common case: test them by prefix, without the RegExp.
  const plain = patterns.every((p) => !GLOB_CHARS.test(p));
  if (plain) {
    const names = patterns.map((p) => p.normalize('NFC').replace(/\/$/, ''));
    return (n: string) => {
      for (const name of names) {
        if (n === name) return true;
        if (n.length > name.length + 1 && n.charCodeAt(name.length) === 0x2f && n.startsWith(name)) return true;
      }
      return false;
    };
  }
  // Most paths fail on their first characters: test the globs' literal prefixes before the RegExp.
  const prefixes = [...new Set(patterns.flatMap(expandPattern).map(literalPrefix))];
  if (prefixes.includes('')) return (n: string) => re.test(n);
  return (n: string) => {
    for (const p of prefixes) if (n.startsWith(p)) return re.test(n);
    return false;
  };
}

const ASCII = /^[\x00-\x7f]*$/;

/** Paths are matched NFC-normalized; ASCII (the common case) already is. */
export function nfc(path: string): string {
  return ASCII.test(path) ? path : path.normalize('NFC');
}

/** The literal text every path matched by a brace-free glob starts with. */
function literalPrefix(glob: string): string {
  let out = '';
  for (const t of tokenizeGlob(glob)) {
    if (t.t !== 'lit') break;
    out += t.c;
  }
  return out;
}

export interface OwnershipModel {
  /** The phases that own `path` (owns minus exclude), in declaration order. */
  ownersOf(path: string): PhaseId[];
  /** The first phase (in declaration order) that owns `path`, or undefined. */
  ownerOf(path: string): PhaseId | undefined;
  /** Whether `phase` may change `path`: owned by it, or shared, and never the plan file. */
  mayChange(phase: PhaseId, path: string): boolean;
  /** Whether `path` matches the plan's `shared` list. */
  isShared(path: string): boolean;
  /** Who a refusal should name for `path`: a phase id, "the coordinator" or "nobody". */
  describeOwner(path: string): string;
}

export function phaseMatcher(phase: Pick<Phase, 'owns' | 'exclude'>): PathMatcher {
  const m = phaseMatcherNormalized(phase);
  return (path) => m(nfc(path));
}

/** `phaseMatcher` for paths that are already NFC. */
export function phaseMatcherNormalized(phase: Pick<Phase, 'owns' | 'exclude'>): PathMatcher {
  const owns = compileNormalized(phase.owns);
  const exclude = compileNormalized(phase.exclude);
  return (path) => owns(path) && !exclude(path);
}

export function buildOwnership(plan: Pick<Plan, 'phases' | 'shared'>): OwnershipModel {
  const matchers = plan.phases.map((p) => [p.id, phaseMatcherNormalized(p)] as const);
  const shared = compilePatterns(plan.shared);
  const byId = new Map(matchers);
  const ownersOf = (path: string) => { const n = nfc(path); return matchers.filter(([, m]) => m(n)).map(([id]) => id); };
  return {
    ownersOf,
    ownerOf: (path) => { const n = nfc(path); return matchers.find(([, m]) => m(n))?.[0]; },
    isShared: (path) => nfc(path) !== PLAN_FILE && shared(path),
    mayChange(phase, path) {
      if (nfc(path) === PLAN_FILE) return false;
      return shared(path) || (byId.get(phase)?.(nfc(path)) ?? false);
    },
    describeOwner(path) {
      if (nfc(path) === PLAN_FILE) return 'the coordinator';
      const owners = ownersOf(path);
      return owners.length ? owners.join(', ') : 'nobody';
    },
  };
}
