import { describe, expect, it } from 'vitest';
import { ownedOverlap, findOverlaps } from '../../src/core/overlap.js';
import { phaseMatcher } from '../../src/core/ownership.js';
import { globProblem } from '../../src/core/glob-rules.js';
import type { Phase } from '../../src/core/plan.js';

const set = (owns: string[], exclude: string[] = []) => ({ owns, exclude });

function witnessOf(a: ReturnType<typeof set>, b: ReturnType<typeof set>): string | undefined {
  const res = ownedOverlap(a, b);
  if (res.overlap === 'unknown') throw new Error('undecided');
  if (res.overlap === false) return undefined;
  // Every witness must really be owned by both sides (checked with the path matcher).
  expect(phaseMatcher(a)(res.witness), `${res.witness} owned by a`).toBe(true);
  expect(phaseMatcher(b)(res.witness), `${res.witness} owned by b`).toBe(true);
  return res.witness;
}

describe('overlap between owned sets, with a witness path', () => {
  it('finds the SPEC example: src/** vs src/auth/** -> a path under src/auth/', () => {
    expect(witnessOf(set(['src/**']), set(['src/auth/**']))).toBe('src/auth/x');
  });
  const overlapping: [string[], string[], string[], string[], string][] = [
    [['src/'], ['src/auth'], [], [], 'src/auth'],
    [['src/'], ['src/auth/'], [], [], 'src/auth'],
    [['*.yml'], ['.parallel.*'], [], [], '.parallel..yml'],
    [['**/.env'], ['*.env'], [], [], '.env'],
    [['src/auth'], ['src/auth'], [], [], 'src/auth'],
    [['**'], ['docs/'], [], [], 'docs'],
    [['**/*.ts'], ['src/'], [], [], 'src/x.ts'],
    [['*.md'], ['README.md'], [], [], 'README.md'],
    [['{src,lib}/a'], ['lib/**'], [], [], 'lib/a'],
    [['src/*/index.ts'], ['src/auth/'], [], [], 'src/auth/index.ts'],
    [['src/file[0-9].ts'], ['src/file?.ts'], [], [], 'src/file0.ts'],
    [['.github/**'], ['*/workflows/*'], [], [], '.github/workflows/x'],
    [['src/**'], ['src/**'], ['src/a/**'], [], 'src/x'],
    [['a/**/b'], ['a/b'], [], [], 'a/b'],
    [['x*y'], ['xy*'], [], [], 'xyy'],
    [['v{1..3}/**'], ['v2/'], [], [], 'v2/x'],
    [['café/'], ['cafe\u0301/x'], [], [], 'café/x'],
  ];
  it.each(overlapping)('%j vs %j (exclude %j / %j) overlap at %s', (ao, bo, ae, be, witness) => {
    expect(witnessOf(set(ao, ae), set(bo, be))).toBe(witness);
  });

  const disjoint: [string[], string[], string[], string[]][] = [
    [['src/auth/'], ['src/dashboard/'], [], []],
    [['src/auth'], ['src/authz'], [], []],
    [['*.ts'], ['src/**'], [], []],
    [['src/**'], ['src/auth/**'], ['src/auth/**'], []],
    [['src/**'], ['src/*.ts'], ['src/*'], []],
    [['src/db/'], ['src/db/generated/**'], ['src/db/generated/'], []],
    [['[a-m]*'], ['[n-z]*'], [], []],
    [['file[!0-9]'], ['file[0-9]'], [], []],
    [['src/*'], ['src/*/*'], [], []],
    [['**'], ['x'], ['x'], []],
    [['*.yml'], ['.parallel.yml'], [], []],
    [['x/**/y'], ['x/*z'], [], []],
    [['**/.env'], ['*.env'], ['.env'], []],
  ];
  it.each(disjoint)('%j vs %j (exclude %j / %j) do not overlap', (ao, bo, ae, be) => {
    expect(witnessOf(set(ao, ae), set(bo, be))).toBeUndefined();
  });

  it('prefers readable witnesses (a name, not a bare dotfile)', () => {
    expect(witnessOf(set(['**/*.ts']), set(['src/**']))).toBe('src/x.ts');
    expect(witnessOf(set(['*']), set(['.*']))).toBe('.x');
  });

  it('reports pairs it cannot decide within the budget instead of guessing', () => {
    const res = ownedOverlap(set(['**/a*b*c*d*']), set(['**/*d*c*b*a*'], ['**/*x*']), { budget: 5 });
    expect(res.overlap).toBe('unknown');
  });
});

describe('findOverlaps on a plan of many deep patterns', () => {
  it('decides all 45 pairs of 10 phases with "**" patterns, braces, classes and excludes', () => {
    const phases: Phase[] = Array.from({ length: 10 }, (_, i) => ({
      id: `p${i}`, index: i, task: '', needs: [], criteria: [], checklist: [],
      owns: [`**/mod${i}/**/*.{ts,tsx}`, `packages/p${i}/`, `docs/**/p${i}-*.md`, `src/*/m${i}[a-z]*/**`],
      exclude: ['**/*.test.ts', `packages/p${i}/generated/**`],
    }));
    const { overlaps, undecided } = findOverlaps(phases);
    expect(undecided).toEqual([]);
    expect(overlaps).toHaveLength(45);
    expect(overlaps[0]).toEqual({ a: 'p0', b: 'p1', witness: 'mod0/mod1/x.ts' });
    for (const o of overlaps) {
      const [a, b] = [phases.find((p) => p.id === o.a)!, phases.find((p) => p.id === o.b)!];
      expect(phaseMatcher(a)(o.witness) && phaseMatcher(b)(o.witness), o.witness).toBe(true);
    }
  });
});

describe('findOverlaps only pairs phases that may run at once', () => {
  const phase = (id: string, owns: string[], needs: string[] = [], extra: Partial<Phase> = {}): Phase =>
    ({ id, index: 0, task: '', owns, exclude: [], needs, criteria: [], checklist: [], ...extra });
  it('ignores a relay ordered by needs and reviewers, reports parallel siblings', () => {
    const phases = [
      phase('schema', ['src/**']),
      phase('auth', ['src/auth/**'], ['schema']),
      phase('dash', ['src/auth/ui/**', 'src/dash/'], ['schema']),
      phase('review', [], [], { reviews: 'auth' }),
    ];
    expect(findOverlaps(phases)).toEqual({ overlaps: [{ a: 'auth', b: 'dash', witness: 'src/auth/ui/x' }], undecided: [] });
  });
});

// Exhaustive cross-check: every path up to 4 characters over a small alphabet is tried with the
// matcher; an overlap found there must be found by the search, and vice versa.
describe('agreement with brute force over short paths', () => {
  const pieces = ['a', 'b', '.', '*', '?', '**', '[ab]', '[!a]', '{a,b}'];
  const alphabet = ['a', 'b', '.', '/', 'x'];
  const paths: string[] = [];
  const grow = (prefix: string) => {
    if (prefix) paths.push(prefix);
    if (prefix.length === 4) return;
    for (const c of alphabet) grow(prefix + c);
  };
  grow('');
  const valid = paths.filter((p) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'));
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  const randomPattern = (): string => {
    for (;;) {
      const segCount = 1 + rnd(2);
      const p = Array.from({ length: segCount }, () => {
        const piece = pieces[rnd(pieces.length)]!;
        return piece === '**' ? piece : piece + (rnd(2) ? pieces[rnd(3)]! : '');
      }).join('/');
      if (!globProblem(p)) return p;
    }
  };
  it('agrees on 400 random pairs with excludes', () => {
    let overlaps = 0;
    for (let i = 0; i < 400; i++) {
      const a = set([randomPattern()], rnd(3) === 0 ? [randomPattern()] : []);
      const b = set([randomPattern(), ...(rnd(2) ? [randomPattern()] : [])], rnd(3) === 0 ? [randomPattern()] : []);
      const ma = phaseMatcher(a);
      const mb = phaseMatcher(b);
      const brute = valid.find((p) => ma(p) && mb(p));
      const res = ownedOverlap(a, b);
      expect(res.overlap, JSON.stringify({ a, b, brute })).not.toBe('unknown');
      if (brute) {
        expect(res.overlap, JSON.stringify({ a, b, brute })).toBe(true);
        overlaps++;
      }
      if (res.overlap === true) {
        expect(ma(res.witness) && mb(res.witness), JSON.stringify({ a, b, w: res.witness })).toBe(true);
        // Shortest: never longer than the shortest brute-force witness.
        if (brute) expect(res.witness.length).toBeLessThanOrEqual(Math.min(...valid.filter((p) => ma(p) && mb(p)).map((p) => p.length)) + 1);
      }
    }
    expect(overlaps).toBeGreaterThan(20);
  });
});
