/**
 * Coordination store benchmarks (issue 5):
 * 1. 8 processes x 25 `parallel heartbeat` at once: every event present, zero errors, wall time;
 *    plain `git notes append` from 8 processes side by side, which loses writes.
 * 2. `parallel heartbeat` median wall vs `node -e 0` (goal <= 1.5x).
 * 3. `parallel status --json` with 20 phases x 500 events vs `node -e 0` (goal <= 2.5x), and
 *    100 phases x 500 events vs the 20-phase time (goal <= 2x: cost grows with phases, not history).
 * The histories are written in bulk through the store's own layout (one fast-import), not by
 * 50,000 CLI calls. Set STORE_BENCH_ROUNDS to change the number of timed rounds (default 11).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sandbox, sh, sideBySide, nodeBaseline, report, CLI, type Sandbox } from './lib.js';
import { chunkSession } from '../src/store/merge.js';
import { runImport, type ImportOp } from '../src/store/fast-import.js';
import type { StatusEvent } from '../src/store/types.js';

const ROUNDS = Number(process.env.STORE_BENCH_ROUNDS ?? 11);

function planText(phases: number): string {
  const lines = ['version: 1', 'name: bench', 'base: main', 'phases:'];
  for (let i = 0; i < phases; i++) lines.push(`  - id: p${i}`, `    task: phase ${i}`, `    owns: [p${i}/]`, '    checklist: [one, two]');
  return lines.join('\n') + '\n';
}

export function planRepo(phases: number): Sandbox {
  const box = sandbox();
  writeFileSync(join(box.dir, '.parallel.yml'), planText(phases));
  sh('git', ['add', '.parallel.yml'], { cwd: box.dir, env: box.env });
  sh('git', ['commit', '-q', '-m', 'plan'], { cwd: box.dir, env: box.env });
  sh('git', ['config', 'parallel.base', 'main'], { cwd: box.dir, env: box.env });
  return box;
}

/** A phase worktree with its marker and a recorded start, as `parallel start` leaves it. */
function phaseWorktree(box: Sandbox, phase: string): string {
  const dir = join(box.root, `wt-${phase}`);
  sh('git', ['worktree', 'add', '-q', '-b', `parallel/${phase}`, dir, 'main'], { cwd: box.dir, env: box.env });
  const gitDir = sh('git', ['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: dir, env: box.env }).stdout.trim();
  writeFileSync(join(gitDir, 'parallel-phase'), `phase=${phase}\nsession=${phase}\nworkspace=bench\n`);
  // Session commands report only for a started session.
  const api = JSON.stringify(join(dirname(CLI), '..', 'api.js'));
  sh(process.execPath, ['-e', `import(${api}).then((m) => new m.SessionTracker().start())`], { cwd: dir, env: box.env });
  return dir;
}

/** `events` events for each of `phases` phases, written in one compare-and-swap commit. */
export function bulkHistory(box: Sandbox, phases: number, events: number): void {
  const t0 = Date.now() - events * 1000;
  const ops: ImportOp[] = [];
  for (let p = 0; p < phases; p++) {
    const list: StatusEvent[] = [];
    for (let i = 0; i < events; i++) {
      const at = new Date(t0 + i * 1000).toISOString();
      list.push({ at, id: `${at.replace(/[-:.TZ]/g, '')}-p${p}e${i}`, type: i === 0 ? 'start' : i % 50 === 7 ? 'error' : 'heartbeat', workspace: 'bench', phase: `p${p}`, session: `p${p}`, progress: Math.round((100 * i) / events), message: `step ${i} of phase ${p}` });
    }
    ops.push(...chunkSession(`p${p}`, `p${p}`, list));
  }
  const res = runImport(box.dir, { from: null, message: 'bench history', ops });
  if (!res.ok) throw new Error(`bulk history failed: ${JSON.stringify(res)}`);
}

function run1(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { cwd, env, stdio: 'ignore' });
    c.on('close', (code) => resolve(code ?? -1));
  });
}

async function concurrentHeartbeats(): Promise<void> {
  const box = planRepo(8);
  const dirs = Array.from({ length: 8 }, (_, i) => phaseWorktree(box, `p${i}`));
  const dir0 = dirs[0]!;
  const t = Date.now();
  const codes = (await Promise.all(dirs.map(async (dir, w) => {
    const out: number[] = [];
    for (let i = 0; i < 25; i++) out.push(await run1(process.execPath, [CLI, 'heartbeat', '-p', String(i * 4), '-m', `w${w}-${i}`], dir, box.env));
    return out;
  }))).flat();
  const wall = Date.now() - t;
  const events = JSON.parse(sh(process.execPath, [CLI, 'log', '--json'], { cwd: box.dir, env: box.env }).stdout).events as StatusEvent[];
  const distinct = new Set(events.filter((e) => e.type === 'heartbeat').map((e) => e.message)).size;
  console.log(`8 x 25 parallel heartbeat at once: ${distinct}/200 events present, ${codes.filter((c) => c !== 0).length} errors, ${new Set(events.map((e) => e.id)).size === events.length ? 'no duplicates' : 'DUPLICATES'}, wall ${(wall / 1000).toFixed(1)} s`);
  // The floor on this machine: the same 200 Node starts, 8 at a time, right after.
  const tn = Date.now();
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = 0; i < 25; i++) await run1(process.execPath, ['-e', '0'], dir0, box.env);
  }));
  report('8 x 25 parallel heartbeat at once (wall)', wall, '200 node -e 0, 8 at a time', Date.now() - tn, 2);

  // Side by side: plain `git notes append` on one commit from 8 processes.
  const notesBox = sandbox();
  sh('git', ['commit', '-q', '--allow-empty', '-m', 'x'], { cwd: notesBox.dir, env: notesBox.env });
  const env = { ...notesBox.env, GIT_EDITOR: 'true' };
  const t2 = Date.now();
  const plain = (await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    const out: number[] = [];
    for (let i = 0; i < 25; i++) out.push(await run1('git', ['notes', '--ref=plain', 'append', '-m', `w${w}-${i}`, 'HEAD'], notesBox.dir, env));
    return out;
  }))).flat();
  const wall2 = Date.now() - t2;
  const kept = sh('git', ['notes', '--ref=plain', 'show', 'HEAD'], { cwd: notesBox.dir, env }).stdout.split('\n').filter((l) => /^w\d+-\d+$/.test(l)).length;
  console.log(`8 x 25 plain git notes append at once: ${kept}/200 kept, ${plain.filter((c) => c !== 0).length} errors reported, wall ${(wall2 / 1000).toFixed(1)} s`);
}

function heartbeatVsNode(): void {
  const box = planRepo(3);
  const dir = phaseWorktree(box, 'p0');
  let i = 0;
  const r = sideBySide({
    heartbeat: () => { sh(process.execPath, [CLI, 'heartbeat', '-p', String(i++ % 100), '-m', 'bench'], { cwd: dir, env: box.env }); },
    node: nodeBaseline(),
  }, ROUNDS);
  report('parallel heartbeat', r.heartbeat!, 'node -e 0', r.node!, 1.3);
}

function statusVsNode(): void {
  const small = planRepo(20);
  bulkHistory(small, 20, 500);
  const big = planRepo(100);
  bulkHistory(big, 100, 500);
  for (const box of [small, big]) {
    // Warm the plan cache (first read parses YAML once per plan blob) and check the output.
    const out = JSON.parse(sh(process.execPath, [CLI, 'status', '--json', '--heartbeat-timeout', '500h', '--session-timeout', '500h'], { cwd: box.dir, env: box.env }).stdout) as { counts: { total: number; running: number } };
    if (out.counts.total !== out.counts.running) throw new Error(`unexpected status: ${JSON.stringify(out.counts)}`);
  }
  const r = sideBySide({
    status20: () => { sh(process.execPath, [CLI, 'status', '--json', '--heartbeat-timeout', '500h', '--session-timeout', '500h'], { cwd: small.dir, env: small.env }); },
    status100: () => { sh(process.execPath, [CLI, 'status', '--json', '--heartbeat-timeout', '500h', '--session-timeout', '500h'], { cwd: big.dir, env: big.env }); },
    node: nodeBaseline(),
  }, ROUNDS);
  report('parallel status --json, 20 phases x 500 events', r.status20!, 'node -e 0', r.node!, 1.5);
  report('parallel status --json, 100 phases x 500 events', r.status100!, '20 phases', r.status20!, 2);
}

/** STORE_BENCH_ONLY=concurrent|heartbeat|status runs one part. */
export async function run(): Promise<void> {
  const only = process.env.STORE_BENCH_ONLY;
  if (!only || only === 'concurrent') await concurrentHeartbeats();
  if (!only || only === 'heartbeat') heartbeatVsNode();
  if (!only || only === 'status') statusVsNode();
}
