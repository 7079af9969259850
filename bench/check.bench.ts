/**
 * `parallel check` on a 10,000-file repository with 10 phases (goal: under 2x `node -e 0`), and
 * `parallel conflicts` over 10 phase branches that all touch one common file (45 pairs, every one
 * merged with merge-tree; goal: under 1 s).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, nodeBaseline, populate, report, sandbox, sh, sideBySide } from './lib.js';

const PHASES = 10;

export async function run(): Promise<void> {
  const box = sandbox();
  const dirs = Array.from({ length: PHASES }, (_, i) => `mod${i}`);
  populate(box, 10_000, [...dirs, 'docs']);
  const phases = dirs.map((d, i) => `  - id: p${i}\n    task: Module ${i}\n    owns: [${d}/, "tests/${d}/**"]\n    exclude: ["${d}/sub1[0-9]/**"]\n${i > 0 && i % 4 === 0 ? `    needs: [p${i - 1}]\n` : ''}`).join('');
  const plan = `version: 1\nname: bench\nbase: main\nshared: [common.txt, "docs/**/*.md"]\nphases:\n${phases}`;
  writeFileSync(join(box.dir, '.parallel.yml'), plan);
  writeFileSync(join(box.dir, 'common.txt'), Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') + '\n');
  sh('git', ['add', '.parallel.yml', 'common.txt'], { cwd: box.dir, env: box.env });
  sh('git', ['commit', '-q', '-m', 'plan'], { cwd: box.dir, env: box.env });
  sh('git', ['config', 'parallel.base', 'main'], { cwd: box.dir, env: box.env });

  const check = () => {
    const r = sh(process.execPath, [CLI, 'check'], { cwd: box.dir, env: box.env, allowFail: true });
    if (r.code !== 0) throw new Error(`check failed: ${r.stderr}${r.stdout}`);
  };
  // An edited plan misses the working-plan cache: YAML is imported and parsed on that run.
  let edits = 0;
  const checkEdited = () => {
    writeFileSync(join(box.dir, '.parallel.yml'), `${plan}# edit ${edits++}\n`);
    check();
  };
  const m = sideBySide({ node: nodeBaseline(), check, checkEdited }, 15);
  report('check, 10,000 files, 10 phases (plan unchanged since the last check)', m.check!, 'node -e 0', m.node!, 1.5);
  report('check, 10,000 files, 10 phases (plan just edited: YAML parsed)', m.checkEdited!, 'node -e 0', m.node!, 2);
  writeFileSync(join(box.dir, '.parallel.yml'), plan);

  // 10 phase branches, each changing its own module and one line of common.txt (neighbouring
  // lines conflict in git, distant ones merge cleanly): all 45 pairs pass the touched-files filter.
  for (let i = 0; i < PHASES; i++) {
    sh('git', ['checkout', '-q', '-b', `parallel/p${i}`, 'main'], { cwd: box.dir, env: box.env });
    const lines = Array.from({ length: 40 }, (_, k) => (k === i ? `changed by p${i}` : `line ${k}`));
    writeFileSync(join(box.dir, 'common.txt'), lines.join('\n') + '\n');
    writeFileSync(join(box.dir, dirs[i]!, 'sub0', `file${i}.txt`), `p${i}\n`);
    sh('git', ['commit', '-q', '-a', '-m', `p${i}`], { cwd: box.dir, env: box.env });
  }
  sh('git', ['checkout', '-q', 'main'], { cwd: box.dir, env: box.env });
  let pairs = 0;
  const conflicts = () => {
    const r = sh(process.execPath, [CLI, 'conflicts', '--json'], { cwd: box.dir, env: box.env });
    pairs = (JSON.parse(r.stdout) as { pairs: unknown[] }).pairs.length;
  };
  const c = sideBySide({ node: nodeBaseline(), conflicts }, 7);
  report(`conflicts, 10 branches (45 pairs merged, ${pairs} conflicting)`, c.conflicts!, 'node -e 0', c.node!);
  console.log(`conflicts absolute: ${c.conflicts!.toFixed(0)} ms (goal < 1000 ms: ${c.conflicts! < 1000 ? 'met' : 'MISSED'})`);
  rmSync(box.root, { recursive: true, force: true });
}
