/**
 * Benchmark helpers: build big repositories, time commands side by side (alternating, so both
 * sides see the same machine load), report medians and ratios. Figures are ratios measured in one
 * run, never absolute thresholds in tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, realpathSync, statSync, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { sandboxEnv, CLI } from '../test/helpers/repo.js';

export { CLI };

export interface Sandbox {
  root: string;
  dir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Where benchmark repositories live: a RAM-backed folder where there is one (Linux /dev/shm), since
 * checking out 10,000 files on a virtual disk varied from 0.5 s to 5 s between identical runs here and
 * drowned what the benchmarks compare. BENCH_TMP overrides it.
 */
export function benchTmp(): string {
  if (process.env.BENCH_TMP) return process.env.BENCH_TMP;
  try {
    if (statSync('/dev/shm').isDirectory()) {
      accessSync('/dev/shm', constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    // no RAM disk: fall back to the system's temp folder
  }
  return tmpdir();
}

export function sandbox(name = 'repo'): Sandbox {
  const root = realpathSync(mkdtempSync(join(benchTmp(), 'parallel-bench-')));
  const home = join(root, 'home');
  mkdirSync(home);
  writeFileSync(join(home, '.gitconfig'), '[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n[user]\n\tname = Bench\n\temail = bench@example.com\n');
  const dir = join(root, name);
  mkdirSync(dir);
  const env = sandboxEnv(home);
  sh('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  return { root, dir, env };
}

export function sh(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string; allowFail?: boolean }): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env, encoding: 'utf8', input: opts.input, maxBuffer: 1 << 28 });
  const res = { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (res.code !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return res;
}

/** Write `count` files spread over `dirs` top-level folders (`<dir>/sub<k>/file<i>.txt`) and commit them. */
export function populate(box: Sandbox, count: number, dirs: string[]): void {
  for (let i = 0; i < count; i++) {
    const d = dirs[i % dirs.length]!;
    const file = join(box.dir, d, `sub${i % 20}`, `file${i}.txt`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `line ${i}\n`);
  }
  sh('git', ['add', '-A'], { cwd: box.dir, env: box.env });
  sh('git', ['commit', '-q', '-m', `${count} files`], { cwd: box.dir, env: box.env });
}

export function timeOnce(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Time several variants alternately, `rounds` times each (after one warm-up each), and return
 * their medians in milliseconds.
 */
export function sideBySide(variants: Record<string, () => void>, rounds: number): Record<string, number> {
  const names = Object.keys(variants);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) variants[n]!();
  for (let r = 0; r < rounds; r++) for (const n of names) samples[n]!.push(timeOnce(variants[n]!));
  return Object.fromEntries(names.map((n) => [n, median(samples[n]!)]));
}

export function nodeBaseline(): () => void {
  return () => { sh(process.execPath, ['-e', '0'], { cwd: tmpdir(), env: process.env }); };
}

/** One report line: `name: a ms vs b ms = ratio (goal)`. */
export function report(name: string, ms: number, baselineName: string, baselineMs: number, goal?: number): string {
  const ratio = ms / baselineMs;
  const verdict = goal === undefined ? '' : ratio <= goal ? ` (goal <= ${goal}x: met)` : ` (goal <= ${goal}x: MISSED)`;
  const line = `${name}: ${ms.toFixed(1)} ms vs ${baselineName} ${baselineMs.toFixed(1)} ms = ${ratio.toFixed(2)}x${verdict}`;
  console.log(line);
  return line;
}
