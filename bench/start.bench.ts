/**
 * `parallel start` of 5 phases (no setup) on a 10,000-file repository, against 5 plain
 * `git worktree add -b` calls making the same branches and worktrees, alternating in one run
 * (goal: under 1.5x). Both sides are cleaned up between rounds, outside the timing.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, median, populate, report, sandbox, sh, timeOnce } from './lib.js';

const PHASES = 5;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

export async function run(): Promise<void> {
  const box = sandbox();
  const dirs = Array.from({ length: PHASES }, (_, i) => `mod${i}`);
  populate(box, 10_000, [...dirs, 'docs']);
  const phases = dirs.map((d, i) => `  - id: p${i}\n    task: Module ${i}\n    owns: [${d}/]\n`).join('');
  writeFileSync(join(box.dir, '.parallel.yml'), `version: 1\nname: bench\nbase: main\nports: { base: 4000 }\nphases:\n${phases}`);
  sh('git', ['add', '.parallel.yml'], { cwd: box.dir, env: box.env });
  sh('git', ['commit', '-q', '-m', 'plan'], { cwd: box.dir, env: box.env });
  sh('git', ['config', 'parallel.base', 'main'], { cwd: box.dir, env: box.env });
  const ids = dirs.map((_, i) => `p${i}`);
  const path = (id: string) => join(box.root, `repo-${id}`);

  const cleanup = () => {
    for (const id of ids) sh('git', ['worktree', 'remove', '--force', path(id)], { cwd: box.dir, env: box.env, allowFail: true });
    sh('git', ['branch', '-q', '-D', ...ids.map((id) => `parallel/${id}`)], { cwd: box.dir, env: box.env, allowFail: true });
    sh('git', ['update-ref', '-d', 'refs/notes/parallel'], { cwd: box.dir, env: box.env, allowFail: true });
  };
  const start = () => {
    const r = sh(process.execPath, [CLI, 'start', ...ids], { cwd: box.dir, env: box.env, allowFail: true });
    if (r.code !== 0) throw new Error(`start failed: ${r.stderr}`);
  };
  const plain = () => {
    for (const id of ids) sh('git', ['worktree', 'add', '-q', '-b', `parallel/${id}`, path(id), 'main'], { cwd: box.dir, env: box.env });
  };

  cleanup();
  const samples: Record<'start' | 'plain', number[]> = { start: [], plain: [] };
  // One warm-up each, then alternate so both see the same machine load.
  for (let r = -1; r < ROUNDS; r++) {
    for (const [name, fn] of [['start', start], ['plain', plain]] as const) {
      const ms = timeOnce(fn);
      cleanup();
      if (r >= 0) samples[name].push(ms);
    }
  }
  report(`start of ${PHASES} phases, 10,000 files`, median(samples.start), `${PHASES} x git worktree add`, median(samples.plain), 1.5);
  rmSync(box.root, { recursive: true, force: true });
}
