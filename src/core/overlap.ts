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

/** `star` made to match at least one character: a subset, searched for readable witnesses. */
function nonEmptyStars(tokens: Tokens[]): Tokens[] {
  return tokens.map((toks) => toks.flatMap((t): Tokens => t.t === 'star' ? [{ t: 'one' }, { t: 'star' }] : [t]));
}

/**
 * An NFA over a fixed alphabet for a list of globs. Positions (token index per glob, plus one
 * final position each) are numbered globally; sets of positions are bitsets, and the
 * epsilon-closed successors of each (position, symbol) are computed once.
 */
class Nfa {
  readonly words: number;
  private readonly kind: Tokens[number][] = [];
  /** Set when the position is the end of its glob. */
  private readonly final: Uint32Array;
  private readonly closures: Uint32Array[] = [];
  private readonly succ: (Uint32Array | null)[][] = [];
  readonly start: Uint32Array;

  constructor(tokens: Tokens[], private readonly symbols: readonly Symbol[]) {
    const size = tokens.reduce((n, t) => n + t.length + 1, 0);
    this.words = Math.max(1, Math.ceil(size / 32));
    this.final = new Uint32Array(this.words);
    const starts: number[] = [];
    for (const toks of tokens) {
      starts.push(this.kind.length);
      for (const t of toks) this.kind.push(t);
      this.kind.push(END);
      setBit(this.final, this.kind.length - 1);
    }
    for (let i = 0; i < this.kind.length; i++) {
      const c = new Uint32Array(this.words);
      for (let j = i; ; ) {
        setBit(c, j);
        const t = this.kind[j]!.t;
        if (t === 'dirs') j += 2; else if (t === 'star' || t === 'anyStar') j += 1; else break;
      }
      this.closures.push(c);
      this.succ.push(new Array(symbols.length).fill(null));
    }
    this.start = new Uint32Array(this.words);
    for (const i of starts) or(this.start, this.closures[i]!);
  }

  /** Positions reached from position `i` on symbol `si`, epsilon-closed. */
  private successors(i: number, si: number): Uint32Array {
    let out = this.succ[i]![si];
    if (out) return out;
    out = new Uint32Array(this.words);
    const sym = this.symbols[si]!;
    const slash = sym.rep === SLASH;
    const tok = this.kind[i]!;
    const to = (j: number) => or(out!, this.closures[j]!);
    switch (tok.t) {
      case 'lit': if (tok.c.codePointAt(0) === sym.rep) to(i + 1); break;
      case 'one': if (!slash) to(i + 1); break;
      case 'cls': if (classHas(tok, sym.rep)) to(i + 1); break;
      case 'star': if (!slash) to(i); break;
      case 'any': to(i + 1); break;
      case 'anyStar': to(i); break;
      // `dirs` is followed by its loop position: once a character is taken, only "/" leaves it.
      case 'dirs': if (slash) { to(i + 2); to(i + 1); } else to(i + 1); break;
      case 'dirsLoop': to(i); if (slash) to(i + 1); break;
      default: break; // END
    }
    this.succ[i]![si] = out;
    return out;
  }

  step(set: Uint32Array, si: number): Uint32Array {
    const out = new Uint32Array(this.words);
    for (let w = 0; w < this.words; w++) {
      let bits = set[w]!;
      while (bits) {
        const low = bits & -bits;
        or(out, this.successors(w * 32 + (31 - Math.clz32(low)), si));
        bits ^= low;
      }
    }
    return out;
  }

  accepts(set: Uint32Array): boolean {
    for (let w = 0; w < this.words; w++) if (set[w]! & this.final[w]!) return true;
    return false;
  }
}

const END = { t: 'end' } as unknown as Tokens[number];

function setBit(set: Uint32Array, i: number): void {
  set[i >>> 5]! |= 1 << (i & 31);
}

function or(into: Uint32Array, from: Uint32Array): void {
  for (let w = 0; w < into.length; w++) into[w]! |= from[w]!;
}

/** A DFA built lazily from an NFA (subset construction); each transition is computed once. */
class LazyDfa {
  private readonly ids = new Map<string, number>();
  private readonly sets: Uint32Array[] = [];
  private readonly trans: Int32Array[] = [];
  readonly accepting: boolean[] = [];
  readonly empty: boolean[] = [];
  readonly start: number;

  constructor(private readonly nfa: Nfa, private readonly symbolCount: number) {
    this.start = this.idOf(nfa.start);
  }

  private idOf(set: Uint32Array): number {
    let key = '';
    for (let w = 0; w < set.length; w++) key += String.fromCharCode(set[w]! & 0xffff, set[w]! >>> 16);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.ids.set(key, id);
      this.sets.push(set);
      this.trans.push(new Int32Array(this.symbolCount).fill(-1));
      this.accepting.push(this.nfa.accepts(set));
      this.empty.push(set.every((w) => w === 0));
    }
    return id;
  }

  next(state: number, sym: number): number {
    const row = this.trans[state]!;
    let to = row[sym]!;
    if (to === -1) {
      to = this.idOf(this.nfa.step(this.sets[state]!, sym));
      row[sym] = to;
    }
    return to;
  }
}

const DEFAULT_BUDGET = 200_000;

/**
 * One search context: an alphabet shared by every pattern involved, and a DFA per pattern list,
 * so a phase's automata are built once for all the pairs it is in.
 */
class OverlapSearch {
  private readonly symbols: Symbol[];
  private readonly validNext: number[][];
  private readonly dfas = new Map<string, LazyDfa>();

  constructor(sets: readonly OwnedSet[], private readonly budget: number) {
    const all = sets.flatMap((s) => [...tokensOf(s.owns), ...tokensOf(s.exclude)]);
    this.symbols = alphabet([...all, ...tokensOf([PLAN_FILE])]);
    this.validNext = this.symbols.map((sym) => [0, 1, 2, 3].map((v) => validStep(v, sym)));
  }

  private dfa(patterns: readonly string[], readable = false): LazyDfa {
    const key = `${readable ? 'r' : 'x'}\0${patterns.join('\0')}`;
    let d = this.dfas.get(key);
    if (!d) {
      const tokens = readable ? nonEmptyStars(tokensOf(patterns)) : tokensOf(patterns);
      d = new LazyDfa(new Nfa(tokens, this.symbols), this.symbols.length);
      this.dfas.set(key, d);
    }
    return d;
  }

  overlap(a: OwnedSet, b: OwnedSet): OverlapResult {
    const ta = tokensOf(a.owns);
    const tb = tokensOf(b.owns);
    if (ta.length === 0 || tb.length === 0) return { overlap: false };
    // Cheap pass: two globs share a path only if their literal prefixes (and literal suffixes)
    // agree; most pairs of phases own different folders and stop here.
    if (!ta.some((x) => tb.some((y) => mayMeet(x, y)))) return { overlap: false };
    const ea = [...a.exclude, PLAN_FILE];
    const eb = [...b.exclude, PLAN_FILE];
    const syms = this.distinctSymbols([...ta, ...tb, ...tokensOf(ea), ...tokensOf(eb)]);
    const exact = this.search(this.dfa(a.owns), this.dfa(ea), this.dfa(b.owns), this.dfa(eb), syms);
    if (exact.overlap !== true) return exact;
    // There is an overlap: look for a readable witness with stars matching at least one character
    // (`src/x.ts`, not `src/.ts`). The owns languages only shrink, so what it finds is real.
    const readable = this.search(this.dfa(a.owns, true), this.dfa(ea), this.dfa(b.owns, true), this.dfa(eb), syms);
    return readable.overlap === true ? readable : exact;
  }

  /**
   * The symbols the given globs can tell apart, one (the most readable) per kind: a character no
   * glob of this pair names behaves like any other such character, so the search tries only one.
   */
  private distinctSymbols(tokens: Tokens[]): number[] {
    const lits = new Set<number>();
    const classes: Extract<GlobToken, { t: 'cls' }>[] = [];
    for (const toks of tokens) for (const t of toks) {
      if (t.t === 'lit') lits.add(t.c.codePointAt(0)!);
      else if (t.t === 'cls') classes.push(t);
    }
    const seen = new Set<string>();
    const out: number[] = [];
    this.symbols.forEach((sym, i) => {
      const special = sym.rep === SLASH || sym.rep === DOT || lits.has(sym.rep);
      const sig = special ? `=${sym.rep}` : classes.map((c) => (classHas(c, sym.rep) ? '1' : '0')).join('');
      if (!seen.has(sig)) { seen.add(sig); out.push(i); }
    });
    return out;
  }

  /** Breadth-first over the product of the four DFAs and valid paths: the shortest witness. */
  private search(da: LazyDfa, xa: LazyDfa, db: LazyDfa, xb: LazyDfa, syms: readonly number[]): OverlapResult {
    const { symbols, validNext } = this;
    const A: number[] = [da.start];
    const XA: number[] = [xa.start];
    const B: number[] = [db.start];
    const XB: number[] = [xb.start];
    const V: number[] = [0];
    const parent: number[] = [-1];
    const via: number[] = [-1];
    // Product states as one number: 12 bits per DFA state, 2 for the valid-path state.
    const keyOf = (a: number, x: number, b: number, y: number, v: number) => (((a * 4096 + x) * 4096 + b) * 4096 + y) * 4 + v;
    const seen = new Set<number>([keyOf(da.start, xa.start, db.start, xb.start, 0)]);
    for (let head = 0; head < A.length; head++) {
      for (const si of syms) {
        const v = validNext[si]![V[head]!]!;
        if (v === -1) continue;
        const a = da.next(A[head]!, si);
        if (da.empty[a]) continue;
        const b = db.next(B[head]!, si);
        if (db.empty[b]) continue;
        const x = xa.next(XA[head]!, si);
        const y = xb.next(XB[head]!, si);
        if (a >= 4096 || b >= 4096 || x >= 4096 || y >= 4096) return { overlap: 'unknown' };
        const key = keyOf(a, x, b, y, v);
        if (seen.has(key)) continue;
        seen.add(key);
        A.push(a); XA.push(x); B.push(b); XB.push(y); V.push(v); parent.push(head); via.push(si);
        if (v === 3 && da.accepting[a] && db.accepting[b] && !xa.accepting[x] && !xb.accepting[y]) {
          const cps: number[] = [];
          for (let n = A.length - 1; parent[n]! >= 0; n = parent[n]!) cps.push(symbols[via[n]!]!.rep);
          return { overlap: true, witness: String.fromCodePoint(...cps.reverse()) };
        }
        if (seen.size > this.budget) return { overlap: 'unknown' };
      }
    }
    return { overlap: false };
  }
}

/**
 * The shortest path owned by both sides (owns minus exclude), or none. `.parallel.yml` is never
 * a witness: no phase may change it. Exact for the plan's glob grammar.
 */
export function ownedOverlap(a: OwnedSet, b: OwnedSet, opts: { budget?: number } = {}): OverlapResult {
  return new OverlapSearch([a, b], opts.budget ?? DEFAULT_BUDGET).overlap(a, b);
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

const ends = new WeakMap<Tokens, [string, string]>();

function literalEnds(toks: Tokens): [string, string] {
  let e = ends.get(toks);
  if (!e) {
    e = [literalEnd(toks, false), literalEnd(toks, true)];
    ends.set(toks, e);
  }
  return e;
}

/** False when two globs certainly share no path: their literal prefixes or suffixes disagree. */
function mayMeet(x: Tokens, y: Tokens): boolean {
  const [px, sx] = literalEnds(x);
  const [py, sy] = literalEnds(y);
  if (!(px.startsWith(py) || py.startsWith(px))) return false;
  return sx.endsWith(sy) || sy.endsWith(sx);
}

/**
 * Overlaps between phases that may run at once (SPEC: phases ordered by `needs` may own the
 * same paths). Reviewer phases own nothing. `undecided` lists pairs the search gave up on.
 */
export function findOverlaps(phases: readonly Phase[], opts: { budget?: number } = {}): { overlaps: PhaseOverlap[]; undecided: { a: PhaseId; b: PhaseId }[] } {
  const overlaps: PhaseOverlap[] = [];
  const undecided: { a: PhaseId; b: PhaseId }[] = [];
  const owners = phases.filter((p) => p.owns.length > 0);
  const search = new OverlapSearch(owners, opts.budget ?? DEFAULT_BUDGET);
  for (let i = 0; i < owners.length; i++) {
    for (let j = i + 1; j < owners.length; j++) {
      const a = owners[i]!;
      const b = owners[j]!;
      if (!mayRunAtOnce(phases, a.id, b.id)) continue;
      const res = search.overlap(a, b);
      if (res.overlap === true) overlaps.push({ a: a.id, b: b.id, witness: res.witness });
      else if (res.overlap === 'unknown') undecided.push({ a: a.id, b: b.id });
    }
  }
  return { overlaps, undecided };
}
