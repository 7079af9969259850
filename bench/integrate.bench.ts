/**
 * `parallel integrate` on 10 done phases x 5 commits in a 10,000-file repository with `test: true`,
 * against a shell script doing the same merges by hand (`git worktree add --detach`, 10
 * `git merge --no-ff`, `true`, `git worktree remove`), side by side in one run. Goal: <= 1.5x.
 * Between rounds the integration branch is deleted so every round merges all ten phases again;
 * integrate's scratch worktree is kept between runs, as it is for users.
 */
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox, populate, sh, sideBySide, report, CLI } from './lib.js';

const PHASES = Array.from({ length: 10 }, (_, i) => `p${i}`);

export async function run(): Promise<void> {
  const box = sandbox();
  try {
    populate(box, 10_000, [...PHASES, 'shared', 'docs']);
    const at = { cwd: box.dir, env: box.env };
    const plan = ['version: 1', 'name: bench', 'base: main', 'test: "true"', 'phases:', ...PHASES.flatMap((p) => [`  - id: ${p}`, `    task: work in ${p}`, `    owns: [${p}/]`])].join('\n') + '\n';
    writeFileSync(join(box.dir, '.parallel.yml'), plan);
    sh('git', ['add', '.parallel.yml'], at);
    sh('git', ['commit', '-q', '-m', 'plan'], at);
    const cli = (args: string[], cwd = box.dir) => sh(process.execPath, [CLI, ...args], { cwd, env: box.env });
    cli(['start', ...PHASES]);
    for (const p of PHASES) {
      const wt = join(box.root, `repo-${p}`);
      for (let c = 0; c < 5; c++) {
        mkdirSync(join(wt, p, 'new'), { recursive: true });
        writeFileSync(join(wt, p, 'new', `f${c}.txt`), `change ${c} of ${p}\n`);
        writeFileSync(join(wt, p, `sub${PHASES.indexOf(p)}`, `file${PHASES.indexOf(p)}.txt`), `edited ${c}\n`);
        sh('git', ['add', '-A', p], { cwd: wt, env: box.env });
        sh('git', ['commit', '-q', '-m', `${p} change ${c}`], { cwd: wt, env: box.env });
      }
      cli(['done', '-m', `${p} done`], wt);
    }
    const manualWt = join(box.root, 'manual');
    const script = [
      'set -e',
      `git worktree add -q --detach "${manualWt}" main`,
      `cd "${manualWt}"`,
      ...PHASES.map((p) => `git -c core.hooksPath=/dev/null merge -q --no-ff --no-edit parallel/${p}`),
      'true',
      `cd "${box.dir}"`,
      `git worktree remove --force "${manualWt}"`,
    ].join('\n');
    // The same merges in a worktree kept between rounds (what integrate does), for a fair second figure.
    const keptWt = join(box.root, 'kept');
    sh('git', ['worktree', 'add', '-q', '--detach', keptWt, 'main'], at);
    const keptScript = [
      'set -e',
      `cd "${keptWt}"`,
      'git reset -q --hard main',
      ...PHASES.map((p) => `git -c core.hooksPath=/dev/null merge -q --no-ff --no-edit parallel/${p}`),
      'true',
    ].join('\n');
    const reset = () => sh('git', ['update-ref', '-d', 'refs/heads/parallel/integration'], { ...at, allowFail: true });
    let merged = 0;
    const medians = sideBySide({
      integrate: () => {
        reset();
        const r = sh(process.execPath, [CLI, 'integrate', '--json'], { cwd: box.dir, env: box.env, allowFail: true });
        merged = (JSON.parse(r.stdout) as { integrated: string[] }).integrated.length;
        if (r.code !== 0 || merged !== PHASES.length) throw new Error(`integrate failed (${r.code}): ${r.stderr}`);
      },
      manual: () => {
        sh('sh', ['-c', script], at);
      },
      kept: () => {
        sh('sh', ['-c', keptScript], at);
      },
    }, 5);
    report(`integrate 10 phases x 5 commits, 10,000 files, test: true (${merged} merged)`, medians.integrate!, 'shell script with the same merges', medians.manual!, 1.5);
    report('integrate (same run)', medians.integrate!, 'the same merges in a kept worktree', medians.kept!);
  } finally {
    rmSync(box.root, { recursive: true, force: true });
  }
}
