/**
 * Differential test of the hooks' fast path against the TypeScript matcher: over generated plans
 * (globs with dotfiles, braces, `**`, classes, unicode, spaces) and a generated corpus of paths,
 * whatever the fast path allows (the shell `case` rules, or git's `:(glob)`/`:(exclude)`
 * pathspecs as `diff-index` and `diff-tree` apply them) the TypeScript matcher allows too.
 * Paths git would quote (non-ASCII, control characters) never reach the fast path: the hook
 * sends them to Node, so the corpus keeps them only to check that they are quoted (tabs,
 * newlines, quotes and backslashes are quoted too; names starting with '-' or a space are not).
 * A phase that is not in the plan (dropped on base) gets the shared-only rules.
 * Quick by default; PARALLEL_FULL_DIFFERENTIAL=1 runs many more plans.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo } from '../helpers/repo.js';
import { compileNotInPlanRules, compilePhaseRules } from '../../src/hooks/rules.js';
import { buildOwnership } from '../../src/core/ownership.js';
import { globProblem } from '../../src/core/glob-rules.js';
import type { Phase, Plan } from '../../src/core/plan.js';

const TRIALS = process.env.PARALLEL_FULL_DIFFERENTIAL ? 600 : 40;

/** A small deterministic PRNG so a failure names a reproducible seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const SEGMENTS = ['src', 'lib', 'a', 'b', 'ab', 'abc', 'A', '.env', '.hidden', 'x.ts', 'x.test.ts', 'y.js', 'a b', 'a-b', 'a_b', '{a,b}', 'a[1]', 'auth', 'generated', 'caf\u00e9', 'cafe\u0301', '\u00e9', 'x?y', 'x*y', '.parallel.yml', 'd.ts', 'c', '-a', '-', 'a\tb', 'a\nb', 'a"b', 'a\\b', ' a'];
const PATTERNS = ['src/', 'src', 'src/**', '**', '*', '*.ts', '**/*.ts', 'lib/*.ts', 'lib/**/*.test.ts', '**/x.ts', 'src/{a,b}/', '{src,lib}/**', 'a?c', 'a??', '[ab]*', '[!a]*', '[a-c]', '.env', '**/.env', '.*', 'src/*/x.ts', 'src/**/a', 'a*', '*/*', 'a/**/b', '{a,b}c', 'x.{ts,js}', 'caf\u00e9/', '\u00e9', 'A/', 'a b/', 'a b', 'src/a', 'lib', 'src/*', '*/.env', 'a/*/', '**/generated/**', 'x*', '*.test.ts', '{a,ab}', 'src/{1..3}', 'b/**', 'auth/', '*y', 'c', 'a/*/**', 'src/a*/**', '*/**', 'a/b*/**', 'lib/x*/**/*.ts', '-a', '-*', '-a/', '**/-*'];

function corpus(): string[] {
  const r = rng(7);
  const out = new Set<string>();
  for (const a of SEGMENTS) out.add(a);
  for (const a of SEGMENTS) for (const b of SEGMENTS) if (r() < 0.35) out.add(`${a}/${b}`);
  while (out.size < 900) {
    const depth = 2 + Math.floor(r() * 3);
    out.add(Array.from({ length: depth }, () => pick(r, SEGMENTS)).join('/'));
  }
  // A path cannot be both a file and a folder: keep the longest ones first, drop prefixes.
  const paths = [...out].filter((p) => p !== '.parallel.yml' || true).sort((x, y) => y.length - x.length);
  const kept: string[] = [];
  const dirs = new Set<string>();
  const files = new Set<string>();
  for (const p of paths) {
    if (dirs.has(p)) continue;
    const parts = p.split('/');
    const prefixes = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
    if (prefixes.some((d) => files.has(d))) continue;
    kept.push(p);
    files.add(p);
    for (const d of prefixes) dirs.add(d);
  }
  return kept;
}

/** A plan and the phase judged; one time in four that phase is not in the plan (dropped on base). */
function randomPlan(r: () => number): { plan: Plan; phase: Phase; id: string; rules: string } {
  const n = (max: number) => Math.floor(r() * (max + 1));
  const some = (k: number) => Array.from({ length: k }, () => pick(r, PATTERNS)).filter((p) => !globProblem(p));
  const phase: Phase = { id: 'p', index: 0, task: 't', owns: some(1 + n(3)), exclude: some(n(2)), needs: [], criteria: [], checklist: [] };
  const plan = { version: 1, name: 'd', worktrees: '', setup: [], copy: [], shared: some(n(2)), timeouts: { heartbeat: 1, session: 1, test: 1 }, testRetries: 0, phases: [phase] } as Plan;
  if (r() < 0.25) return { plan, phase, id: 'gone', rules: compileNotInPlanRules(plan) };
  return { plan, phase, id: 'p', rules: compilePhaseRules(plan, phase) };
}

const ascii = (p: string) => /^[\x20-\x7e]*$/.test(p) && !/["\\]/.test(p);

let repo: TestRepo;
let paths: string[];
let c1: string;
let c2: string;
let work: string;

beforeAll(() => {
  repo = new TestRepo();
  paths = corpus();
  for (const p of paths) repo.write(p, '1\n');
  repo.git(['add', '-A']);
  repo.git(['commit', '-qm', 'one']);
  c1 = repo.rev('HEAD');
  for (const p of paths) repo.write(p, '2\n');
  repo.git(['add', '-A']);
  repo.git(['commit', '-qm', 'two']);
  c2 = repo.rev('HEAD');
  // The index differs from HEAD on every path (what a pre-commit sees).
  for (const p of paths) repo.write(p, '3\n');
  repo.git(['add', '-A']);
  work = join(repo.root, 'work');
  mkdirSync(work);
  writeFileSync(join(work, 'paths'), paths.filter(ascii).join('\n') + '\n');
});
afterAll(() => repo.cleanup());

/** Run the compiled rules the way the hooks do; returns the ASCII paths the fast path allows. */
function fastPathAllows(rules: string): { tier: string; index: Set<string>; tree: Set<string> } {
  const file = join(work, 'rules');
  writeFileSync(file, rules);
  const script = `
    . "$1"
    unset GIT_LITERAL_PATHSPECS GIT_ICASE_PATHSPECS GIT_GLOB_PATHSPECS GIT_NOGLOB_PATHSPECS
    echo "$pl_tier"
    case $pl_tier in
      case) while IFS= read -r p; do if pl_allowed "$p"; then printf 'A %s\\n' "$p"; fi; done < "$2" ;;
      pathspec)
        pl_outside git -c core.quotePath=true diff-index --cached --no-renames --name-only HEAD | sed 's/^/I /'
        pl_excluded git -c core.quotePath=true diff-index --cached --no-renames --name-only HEAD | sed 's/^/I /'
        pl_outside git -c core.quotePath=true diff-tree -r --no-renames --name-only "$3" "$4" | sed 's/^/T /'
        pl_excluded git -c core.quotePath=true diff-tree -r --no-renames --name-only "$3" "$4" | sed 's/^/T /' ;;
    esac`;
  const res = spawnSync('sh', ['-c', script, 'sh', file, join(work, 'paths'), c1, c2], { cwd: repo.dir, env: repo.env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (res.status !== 0) throw new Error(res.stderr);
  const [tier = '', ...lines] = res.stdout.split('\n');
  const ascii_ = paths.filter(ascii);
  if (tier === 'case') {
    const allowed = new Set(lines.filter((l) => l.startsWith('A ')).map((l) => l.slice(2)));
    return { tier, index: allowed, tree: allowed };
  }
  const outIndex = new Set(lines.filter((l) => l.startsWith('I ')).map((l) => l.slice(2)));
  const outTree = new Set(lines.filter((l) => l.startsWith('T ')).map((l) => l.slice(2)));
  // The hook's scan sends the plan file to Node whatever the rules say.
  const base = ascii_.filter((p) => p !== '.parallel.yml');
  return { tier, index: new Set(base.filter((p) => !outIndex.has(p))), tree: new Set(base.filter((p) => !outTree.has(p))) };
}

describe('fast path vs the TypeScript matcher', () => {
  it('git quotes exactly the paths the fast path must not judge', () => {
    const out = repo.git(['-c', 'core.quotePath=true', 'diff-index', '--cached', '--name-only', 'HEAD']).stdout.split('\n').filter(Boolean);
    const quoted = out.filter((l) => l.startsWith('"'));
    expect(quoted.length).toBe(paths.filter((p) => !ascii(p)).length);
    expect(out.filter((l) => !l.startsWith('"')).sort()).toEqual(paths.filter(ascii).sort());
  });

  it(`allows nothing the matcher refuses (${TRIALS} generated plans)`, () => {
    const r = rng(2024);
    let allowedTotal = 0;
    let notInPlan = 0;
    const tiers = new Map<string, number>();
    for (let trial = 0; trial < TRIALS; trial++) {
      const { plan, phase, id, rules } = randomPlan(r);
      const model = buildOwnership(plan);
      const fast = fastPathAllows(rules);
      tiers.set(fast.tier, (tiers.get(fast.tier) ?? 0) + 1);
      if (id !== 'p') notInPlan++;
      for (const [side, set] of [['diff-index', fast.index], ['diff-tree', fast.tree]] as const) {
        const wrong = [...set].filter((p) => !model.mayChange(id, p));
        expect(wrong, `trial ${trial} (${side}, ${fast.tier}, phase ${id}) owns=${JSON.stringify(phase.owns)} exclude=${JSON.stringify(phase.exclude)} shared=${JSON.stringify(plan.shared)}`).toEqual([]);
      }
      allowedTotal += fast.index.size;
      // Where git decides, it should also agree the other way on ASCII paths (a fast path that
      // allowed nothing would pass the check above trivially).
      if (fast.tier === 'pathspec' || fast.tier === 'case') {
        const expected = paths.filter(ascii).filter((p) => p !== '.parallel.yml' && model.mayChange(id, p));
        expect([...fast.index].sort(), `trial ${trial} phase ${id} owns=${JSON.stringify(phase.owns)} exclude=${JSON.stringify(phase.exclude)} shared=${JSON.stringify(plan.shared)}`).toEqual(expected.sort());
      }
    }
    expect(allowedTotal).toBeGreaterThan(TRIALS);
    expect(tiers.get('case') ?? 0).toBeGreaterThan(0);
    expect(tiers.get('pathspec') ?? 0).toBeGreaterThan(0);
    expect(notInPlan).toBeGreaterThan(0);
  }, 60_000 + TRIALS * 1_000);

  it('the case rules allow exactly what the matcher allows on ASCII paths', () => {
    const plan = { shared: ['package-lock.json', 'docs/shared/'], phases: [] } as unknown as Plan;
    const phase = { id: 'p', owns: ['src/', 'a b', 'lib/**', '.env'], exclude: ['src/generated/**', 'src/x.ts'] } as unknown as Phase;
    const model = buildOwnership({ ...plan, phases: [{ ...phase, index: 0, task: '', needs: [], criteria: [], checklist: [] }] });
    const fast = fastPathAllows(compilePhaseRules(plan, phase));
    expect(fast.tier).toBe('case');
    const expected = paths.filter(ascii).filter((p) => model.mayChange('p', p));
    expect([...fast.index].sort()).toEqual(expected.sort());
  });
});
