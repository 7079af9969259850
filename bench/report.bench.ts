/**
 * `parallel report` benchmarks:
 * 1. 20 phases x 500 events (the store bench's history): `parallel report` vs `parallel status
 *    --json` on the same store (goal <= 2x; no phase branches, so no conflict matrix to predict),
 *    and the page's size (goal < 1 MB).
 * 2. The conflict matrix's own cost: 20 phase branches (a few touching one common file) with the
 *    same history: `parallel report` vs `parallel status --json` + `parallel conflicts --json`.
 * Set REPORT_BENCH_ROUNDS to change the number of timed rounds (default 7).
 */
import { statSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sh, sideBySide, report, CLI, type Sandbox } from './lib.js';
import { planRepo, bulkHistory } from './store.bench.js';

const ROUNDS = Number(process.env.REPORT_BENCH_ROUNDS ?? 7);
const LONG = ['--heartbeat-timeout', '500h', '--session-timeout', '500h'];

function cli(box: Sandbox, args: string[]): string {
  return sh(process.execPath, [CLI, ...args], { cwd: box.dir, env: box.env }).stdout;
}

/** One branch per phase with a commit of its own; every fourth also changes `common.txt`. */
function branches(box: Sandbox, phases: number): void {
  writeFileSync(join(box.dir, 'common.txt'), 'base\n');
  sh('git', ['add', 'common.txt'], { cwd: box.dir, env: box.env });
  sh('git', ['commit', '-q', '-m', 'common'], { cwd: box.dir, env: box.env });
  for (let i = 0; i < phases; i++) {
    sh('git', ['checkout', '-q', '-b', `parallel/p${i}`, 'main'], { cwd: box.dir, env: box.env });
    mkdirSync(join(box.dir, `p${i}`), { recursive: true });
    writeFileSync(join(box.dir, `p${i}`, 'work.txt'), `work of p${i}\n`);
    if (i % 4 === 0) writeFileSync(join(box.dir, 'common.txt'), `changed by p${i}\n`);
    sh('git', ['add', '-A'], { cwd: box.dir, env: box.env });
    sh('git', ['commit', '-q', '-m', `p${i} work`], { cwd: box.dir, env: box.env });
  }
  sh('git', ['checkout', '-q', 'main'], { cwd: box.dir, env: box.env });
}

export async function run(): Promise<void> {
  const box = planRepo(20);
  bulkHistory(box, 20, 500);
  const out = join(box.root, 'report.html');
  cli(box, ['status', '--json', ...LONG]);
  cli(box, ['report', '-o', out]);
  const r = sideBySide({
    report: () => { cli(box, ['report', '-o', out]); },
    status: () => { cli(box, ['status', '--json', ...LONG]); },
  }, ROUNDS);
  report('parallel report, 20 phases x 500 events', r.report!, 'status --json', r.status!, 2);
  const size = statSync(out).size;
  console.log(`report page, 20 phases x 500 events: ${(size / 1024).toFixed(0)} KB (goal < 1 MB: ${size < 1_000_000 ? 'met' : 'MISSED'})`);

  const withBranches = planRepo(20);
  bulkHistory(withBranches, 20, 500);
  branches(withBranches, 20);
  const out2 = join(withBranches.root, 'report.html');
  const pairs = (JSON.parse(cli(withBranches, ['conflicts', '--json'])) as { pairs: unknown[] }).pairs.length;
  const r2 = sideBySide({
    report: () => { cli(withBranches, ['report', '-o', out2]); },
    status: () => { cli(withBranches, ['status', '--json', ...LONG]); },
    conflicts: () => { cli(withBranches, ['conflicts', '--json']); },
  }, ROUNDS);
  console.log(`with 20 phase branches (${pairs} conflicting pairs): report ${r2.report!.toFixed(1)} ms, status --json ${r2.status!.toFixed(1)} ms, conflicts --json ${r2.conflicts!.toFixed(1)} ms`);
  report('parallel report with the conflict matrix', r2.report!, 'status + conflicts', r2.status! + r2.conflicts!);
  for (const b of [box, withBranches]) rmSync(b.root, { recursive: true, force: true });
}
