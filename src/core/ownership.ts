/**
 * Ownership, CODEOWNERS-like (SPEC "Ownership semantics"): a pattern with no glob characters
 * names a file or a whole directory; `*` stays in one segment, `**` crosses segments; dotfiles
 * match like any file; matching is case-sensitive on NFC-normalized paths.
 */
import { Minimatch } from 'minimatch';
import { GLOB_CHARS } from './glob-rules.js';
import { PLAN_FILE, type Phase, type PhaseId, type Plan } from './plan.js';

const MM_OPTS = { dot: true, nonegate: true, nocomment: true, noext: true, nocase: false, optimizationLevel: 2 } as const;

/** Rewrite a plan pattern into the minimatch patterns it stands for. */
export function expandPattern(pattern: string): string[] {
  const p = pattern.normalize('NFC');
  if (p.endsWith('/')) return [`${p}**`];
  if (!GLOB_CHARS.test(p)) return [p, `${p}/**`];
  return [p];
}

export interface PathMatcher {
  (path: string): boolean;
}

export function compilePatterns(patterns: readonly string[]): PathMatcher {
  const mms = patterns.flatMap(expandPattern).map((p) => new Minimatch(p, MM_OPTS));
  if (mms.length === 0) return () => false;
  return (path: string) => {
    const p = path.normalize('NFC');
    return mms.some((m) => m.match(p));
  };
}

export interface OwnershipModel {
  /** The phases that own `path` (owns minus exclude), in declaration order. */
  ownersOf(path: string): PhaseId[];
  /** Whether `phase` may change `path`: owned by it, or shared, and never the plan file. */
  mayChange(phase: PhaseId, path: string): boolean;
  /** Whether `path` matches the plan's `shared` list. */
  isShared(path: string): boolean;
  /** Who a refusal should name for `path`: a phase id, "the coordinator" or "nobody". */
  describeOwner(path: string): string;
}

export function phaseMatcher(phase: Pick<Phase, 'owns' | 'exclude'>): PathMatcher {
  const owns = compilePatterns(phase.owns);
  const exclude = compilePatterns(phase.exclude);
  return (path) => owns(path) && !exclude(path);
}

export function buildOwnership(plan: Pick<Plan, 'phases' | 'shared'>): OwnershipModel {
  const matchers = plan.phases.map((p) => [p.id, phaseMatcher(p)] as const);
  const shared = compilePatterns(plan.shared);
  const byId = new Map(matchers);
  const ownersOf = (path: string) => matchers.filter(([, m]) => m(path)).map(([id]) => id);
  return {
    ownersOf,
    isShared: (path) => path !== PLAN_FILE && shared(path),
    mayChange(phase, path) {
      if (path.normalize('NFC') === PLAN_FILE) return false;
      return shared(path) || (byId.get(phase)?.(path) ?? false);
    },
    describeOwner(path) {
      if (path.normalize('NFC') === PLAN_FILE) return 'the coordinator';
      const owners = ownersOf(path);
      return owners.length ? owners.join(', ') : 'nobody';
    },
  };
}
