/**
 * Can two phases' owned sets share a path, existing or possible? Decided exactly: each side
 * (owns minus exclude) is an automaton over path characters built from the same glob tokens the
 * matcher uses, and a breadth-first search over the product of the four (two owns, two
 * excludes, determinized on the fly, so "not excluded" is a plain complement) and a small
 * automaton of valid paths (no empty, `.` or `..` segment) finds the shortest common path.
 * The alphabet is the set of character intervals the patterns can tell apart, one representative
 * each, so the search is small. Pure: no fs, no git.
 */
import { classHas, patternGlobs, tokenizeGlob, type GlobToken } from './glob-rules.js';
import { mayRunAtOnce } from './graph.js';
import { PLAN_FILE, type Phase, type PhaseId } from './plan.js';

export interface OwnedSet {
  owns: readonly string[];
  exclude: readonly string[];
}

export type OverlapResult =
  | { overlap: true; witness: string }
  | { overlap: false }
  /** The search gave up (state budget spent); the caller should say it could not decide. */
  | { overlap: 'unknown' };

export interface PhaseOverlap {
  a: PhaseId;
  b: PhaseId;
  witness: string;
}

/** `dirs` is followed by a `dirsLoop` position in the automaton (see `tokensOf`). */
type Tokens = (GlobToken | { t: 'dirsLoop' })[];
/** A set of NFA positions: pattern index * STRIDE + position, sorted. */
type StateSet = number[];
const STRIDE = 65536;
const SLASH = 0x2f;
const DOT = 0x2e;

interface Symbol {
  lo: number;
  hi: number;
  rep: number;
}

function collectCuts(tokens: Tokens[], cuts: Set<number>): void {
  for (const toks of tokens) {
    for (const t of toks) {
      if (t.t === 'lit') { const cp = t.c.codePointAt(0)!; cuts.add(cp); cuts.add(cp + 1); }
      if (t.t === 'cls') for (const [lo, hi] of t.ranges) { cuts.add(lo); cuts.add(hi + 1); }
    }
  }
}

const NICE = 'xyzabcdefghijklmnopqrstuvw0123456789_-';

function representative(lo: number, hi: number): number | undefined {
  for (const ch of NICE) {
    const cp = ch.codePointAt(0)!;
    if (cp >= lo && cp < hi) return cp;
  }
  for (let cp = Math.max(lo, 0x21); cp < hi && cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) { cp = 0xdfff; continue; }
    if (cp >= 0x7f && cp < 0xa0) continue;
    return cp;
  }
  for (let cp = Math.max(lo, 1); cp < hi && cp < 0x21; cp++) return cp;
  return undefined;
}

function alphabet(tokens: Tokens[]): Symbol[] {
  const cuts = new Set<number>([1, SLASH, SLASH + 1, DOT, DOT + 1, 0x110000]);
  collectCuts(tokens, cuts);
  const points = [...cuts].filter((p) => p >= 1 && p <= 0x110000).sort((a, b) => a - b);
  const out: Symbol[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const rep = representative(points[i]!, points[i + 1]!);
    if (rep !== undefined) out.push({ lo: points[i]!, hi: points[i + 1]!, rep });
  }
  // Breadth-first search tries symbols in this order: readable witnesses first.
  const rank = (s: Symbol) => {
    const ch = String.fromCodePoint(s.rep);
    const nice = NICE.indexOf(ch);
    if (nice !== -1) return nice;
    if (s.rep === SLASH) return 100;
    if (s.rep === DOT) return 101;
    if (s.rep > 0x20 && s.rep < 0x7f) return 200;
    return 300 + (s.rep < 0x21 ? 1000 : 0);
  };
  return out.sort((a, b) => rank(a) - rank(b));
}

/** Epsilon closure: `star`, `anyStar` and `dirs` may match nothing. */
function close(tokens: Tokens[], set: Iterable<number>): StateSet {
  const out = new Set<number>();
  for (const s of set) {
    const pat = Math.floor(s / STRIDE);
    let pos = s % STRIDE;
    out.add(s);
    const toks = tokens[pat]!;
    while (pos < toks.length) {
      const t = toks[pos]!.t;
      if (t === 'dirs') pos += 2; // skip the loop position too: "nothing"
      else if (t === 'star' || t === 'anyStar') pos++;
      else break;
      out.add(pat * STRIDE + pos);
    }
  }
  return [...out].sort((a, b) => a - b);
}

function step(tokens: Tokens[], set: StateSet, sym: Symbol): StateSet {
  const next: number[] = [];
  const slash = sym.rep === SLASH;
  for (const s of set) {
    const pat = Math.floor(s / STRIDE);
    const pos = s % STRIDE;
    const tok = tokens[pat]![pos];
    if (!tok) continue;
    switch (tok.t) {
      case 'lit': if (tok.c.codePointAt(0) === sym.rep) next.push(s + 1); break;
      case 'one': if (!slash) next.push(s + 1); break;
      case 'cls': if (classHas(tok, sym.rep)) next.push(s + 1); break;
      case 'star': if (!slash) next.push(s); break;
      case 'any': next.push(s + 1); break;
      case 'anyStar': next.push(s); break;
      // `dirs` is followed by its loop position: once a character is taken, only "/" leaves it.
      case 'dirs': next.push(slash ? s + 2 : s + 1); if (slash) next.push(s + 1); break;
      case 'dirsLoop': next.push(s); if (slash) next.push(s + 1); break;
    }
  }
  return close(tokens, next);
}

function accepts(tokens: Tokens[], set: StateSet): boolean {
  return set.some((s) => s % STRIDE === tokens[Math.floor(s / STRIDE)]!.length);
}

/**
 * Valid repository paths: segments are non-empty and never `.` or `..`.
 * States: 0 segment start, 1 ".", 2 "..", 3 inside a name; -1 dead. Accepting: 3.
 */
function validStep(state: number, sym: Symbol): number {
  if (sym.rep === SLASH) return state === 3 ? 0 : -1;
  if (sym.rep === DOT) return state === 0 ? 1 : state === 1 ? 2 : 3;
  return 3;
}

const tokenCache = new Map<string, Tokens[]>();

function tokensOf(patterns: readonly string[]): Tokens[] {
  return patterns.flatMap((p) => {
    let toks = tokenCache.get(p);
    if (!toks) {
      toks = patternGlobs(p).map((g) => tokenizeGlob(g).flatMap((t): Tokens => t.t === 'dirs' ? [t, { t: 'dirsLoop' }] : [t]));
      tokenCache.set(p, toks);
    }
    return toks;
  });
}

/** `star` and `dirs` made to match at least one character: a subset, tried first for readable witnesses. */
function nonEmptyStars(tokens: Tokens[]): Tokens[] {
  return tokens.map((toks) => toks.flatMap((t): Tokens => t.t === 'star' ? [{ t: 'one' }, { t: 'star' }] : [t]));
}

const DEFAULT_BUDGET = 200_000;

/**
 * The shortest path owned by both sides (owns minus exclude), or none. `.parallel.yml` is never
 * a witness: no phase may change it. Exact for the plan's glob grammar.
 */
export function ownedOverlap(a: OwnedSet, b: OwnedSet, opts: { budget?: number } = {}): OverlapResult {
  let ta = tokensOf(a.owns);
  let tb = tokensOf(b.owns);
  // Cheap pass: two globs can share a path only if their literal prefixes (and literal suffixes)
  // agree; most pairs of phases own different folders and stop here.
  const pairs = ta.flatMap((x) => tb.filter((y) => mayMeet(x, y)).map((y) => [x, y] as const));
  if (pairs.length === 0) return { overlap: false };
  ta = [...new Set(pairs.map(([x]) => x))];
  tb = [...new Set(pairs.map(([, y]) => y))];
  // Excludes that cannot meet any remaining owns glob change nothing.
  const ea = tokensOf([...a.exclude, PLAN_FILE]).filter((e) => ta.some((x) => mayMeet(e, x)));
  const eb = tokensOf([...b.exclude, PLAN_FILE]).filter((e) => tb.some((y) => mayMeet(e, y)));
  const budget = opts.budget ?? DEFAULT_BUDGET;
  const exact = search(ta, ea, tb, eb, budget);
  if (exact.overlap !== true) return exact;
  // There is an overlap: look for a readable witness with stars matching at least one character
  // (`src/x.ts`, not `src/.ts`). The owns languages only shrink, so what it finds is real.
  const readable = search(nonEmptyStars(ta), ea, nonEmptyStars(tb), eb, budget);
  return readable.overlap === true ? readable : exact;
}

/** The literal characters a glob's paths must start (or end) with. */
function literalEnd(toks: Tokens, fromEnd: boolean): string {
  let out = '';
  for (let i = 0; i < toks.length; i++) {
    const t = toks[fromEnd ? toks.length - 1 - i : i]!;
    if (t.t !== 'lit') break;
    out = fromEnd ? t.c + out : out + t.c;
  }
  return out;
}

/** False when two globs certainly share no path: their literal prefixes or suffixes disagree. */
function mayMeet(x: Tokens, y: Tokens): boolean {
  const [px, py] = [literalEnd(x, false), literalEnd(y, false)];
  if (!(px.startsWith(py) || py.startsWith(px))) return false;
  const [sx, sy] = [literalEnd(x, true), literalEnd(y, true)];
  return sx.endsWith(sy) || sy.endsWith(sx);
}

function search(ta: Tokens[], ea: Tokens[], tb: Tokens[], eb: Tokens[], budget: number): OverlapResult {
  const all = [ta, ea, tb, eb];
  const symbols = alphabet([...ta, ...ea, ...tb, ...eb]);
  const start = all.map((t) => close(t, t.map((_, i) => i * STRIDE)));
  type Node = { sets: StateSet[]; valid: number; parent: Node | undefined; sym: number };
  const keyOf = (sets: StateSet[], valid: number) => `${valid}|${sets.map((s) => s.join(',')).join(';')}`;
  const isGoal = (n: Node) => n.valid === 3 && accepts(ta, n.sets[0]!) && !accepts(ea, n.sets[1]!) && accepts(tb, n.sets[2]!) && !accepts(eb, n.sets[3]!);
  const root: Node = { sets: start, valid: 0, parent: undefined, sym: 0 };
  const seen = new Set<string>([keyOf(root.sets, root.valid)]);
  let frontier = [root];
  while (frontier.length) {
    const next: Node[] = [];
    for (const node of frontier) {
      for (const sym of symbols) {
        const valid = validStep(node.valid, sym);
        if (valid === -1) continue;
        const sa = step(ta, node.sets[0]!, sym);
        if (sa.length === 0) continue;
        const sb = step(tb, node.sets[2]!, sym);
        if (sb.length === 0) continue;
        const sets = [sa, step(ea, node.sets[1]!, sym), sb, step(eb, node.sets[3]!, sym)];
        const key = keyOf(sets, valid);
        if (seen.has(key)) continue;
        seen.add(key);
        const child: Node = { sets, valid, parent: node, sym: sym.rep };
        if (isGoal(child)) return { overlap: true, witness: spell(child) };
        if (seen.size > budget) return { overlap: 'unknown' };
        next.push(child);
      }
    }
    frontier = next;
  }
  return { overlap: false };

  function spell(n: Node): string {
    const cps: number[] = [];
    for (let cur: Node | undefined = n; cur?.parent; cur = cur.parent) cps.push(cur.sym);
    return String.fromCodePoint(...cps.reverse());
  }
}

/**
 * Overlaps between phases that may run at once (SPEC: phases ordered by `needs` may own the
 * same paths). Reviewer phases own nothing. `undecided` lists pairs the search gave up on.
 */
export function findOverlaps(phases: readonly Phase[], opts: { budget?: number } = {}): { overlaps: PhaseOverlap[]; undecided: { a: PhaseId; b: PhaseId }[] } {
  const overlaps: PhaseOverlap[] = [];
  const undecided: { a: PhaseId; b: PhaseId }[] = [];
  const owners = phases.filter((p) => p.owns.length > 0);
  for (let i = 0; i < owners.length; i++) {
    for (let j = i + 1; j < owners.length; j++) {
      const a = owners[i]!;
      const b = owners[j]!;
      if (!mayRunAtOnce(phases, a.id, b.id)) continue;
      const res = ownedOverlap(a, b, opts);
      if (res.overlap === true) overlaps.push({ a: a.id, b: b.id, witness: res.witness });
      else if (res.overlap === 'unknown') undecided.push({ a: a.id, b: b.id });
    }
  }
  return { overlaps, undecided };
}
