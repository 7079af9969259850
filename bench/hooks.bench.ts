/**
 * The cost of parallel's hooks on a commit (issue 4): a 10,000-file repository, 5 phases with 4
 * globs each, 20 staged files inside the phase's area. Median wall time of `git commit` in the
 * phase worktree with every parallel hook installed (reference-transaction, which judges the commit
 * and starts the note writer; no pre-commit, as the repository has none to chain) against the same commit with no hooks at all (`git -c
 * core.hooksPath=/dev/null commit`), alternating. Goal: at most 1.35x (the refusal 3x). Measured for folder rules
 * (the shell `case` fast path) and for glob rules, plus the refusal path (the shell
 * explains it with the owners Node compiled) and a commit in the main worktree (not checked).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, median, populate, report, sandbox, sh, timeOnce, type Sandbox } from './lib.js';

const PHASES = 5;
const ROUNDS = 25;

function setup(globs: 'folders' | 'globs'): { box: Sandbox; wt: string } {
  const box = sandbox();
  const dirs = Array.from({ length: PHASES }, (_, i) => `mod${i}`);
  populate(box, 10_000, [...dirs, 'docs']);
  const owns = (d: string) => globs === 'folders'
    ? [`${d}/`, `tests/${d}/`, `docs/${d}/`, `${d}-assets`]
    : [`${d}/sub*/**`, `${d}/**/*.txt`, `tests/${d}/**/*.test.ts`, `docs/${d}-*.md`];
  const phases = dirs.map((d, i) => `  - id: p${i}\n    task: Module ${i}\n    owns: [${owns(d).map((g) => JSON.stringify(g)).join(', ')}]\n`).join('');
  appendFileSync(join(box.dir, '.parallel.yml'), `version: 1\nname: bench\nbase: main\nshared: [package-lock.json]\nphases:\n${phases}`);
  sh('git', ['add', '.parallel.yml'], { cwd: box.dir, env: box.env });
  sh('git', ['commit', '-q', '-m', 'plan'], { cwd: box.dir, env: box.env });
  sh(process.execPath, [CLI, 'init'], { cwd: box.dir, env: box.env });
  sh(process.execPath, [CLI, 'start', 'p0'], { cwd: box.dir, env: box.env });
  return { box, wt: join(box.root, 'repo-p0') };
}

let counter = 0;

function settle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
}
/** Change and stage 20 files inside p0's area (mod0/sub<k>/file<i>.txt from `populate`). */
function stage20(box: Sandbox, cwd: string, extra: string[] = []): void {
  const files: string[] = [];
  for (let k = 0; k < 20; k++) {
    const i = k * 6 * 5; // files of mod0 are those with i % 6 === 0
    const f = `mod0/sub${i % 20}/file${i}.txt`;
    appendFileSync(join(cwd, f), `${counter++}\n`);
    files.push(f);
  }
  for (const f of extra) appendFileSync(join(cwd, f), `${counter++}\n`);
  sh('git', ['add', '--', ...files, ...extra], { cwd, env: box.env });
}

function commitTimes(box: Sandbox, cwd: string, variants: Record<string, string[]>, rounds: number): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((n) => [n, []]));
  for (let r = -1; r < rounds; r++) {
    for (const [name, args] of Object.entries(variants)) {
      stage20(box, cwd);
      const ms = timeOnce(() => { sh('git', [...args, 'commit', '-q', '-m', `c${counter}`], { cwd, env: box.env }); });
      if (r >= 0) samples[name]!.push(ms);
      // The committed reference-transaction starts the note writer in the background (Node, ~0.2 s of CPU):
      // let it finish so it does not slow the next sample, whichever variant that is.
      settle();
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([n, xs]) => [n, median(xs)]));
}

export async function run(): Promise<void> {
  for (const kind of ['folders', 'globs'] as const) {
    const { box, wt } = setup(kind);
    const m = commitTimes(box, wt, { hooks: [], none: ['-c', 'core.hooksPath=/dev/null'] }, ROUNDS);
    report(`git commit in a phase worktree, 20 staged files, ${kind === 'folders' ? 'folder rules (shell case)' : 'glob rules (dir/sub*/**, **/*.txt, **/*.test.ts, dir-*.md)'}`, m.hooks!, 'no hooks', m.none!, 1.35);
    if (kind === 'folders') {
      // Refusal: one foreign file among the 20; Node starts to explain. The commit does not happen.
      const refused: number[] = [];
      const plain: number[] = [];
      for (let r = 0; r < 9; r++) {
        stage20(box, wt, ['mod1/sub1/file1.txt']);
        refused.push(timeOnce(() => { sh('git', ['commit', '-q', '-m', 'refused'], { cwd: wt, env: box.env, allowFail: true }); }));
        plain.push(timeOnce(() => { sh('git', ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'plain'], { cwd: wt, env: box.env }); }));
      }
      report('refused commit (one foreign path among 20, the shell explains: folder rules)', median(refused), 'the same commit without hooks', median(plain), 3);
      // The main worktree is not checked: parallel adds nothing there.
      const main = commitTimes(box, box.dir, { main: [], none: ['-c', 'core.hooksPath=/dev/null'] }, 9);
      report('git commit in the main worktree (not a phase)', main.main!, 'no hooks', main.none!);
    }
  }
}
