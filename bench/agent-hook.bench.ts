/**
 * The `PreToolUse` decision of `parallel agent-hook` (what Claude Code runs before every edit),
 * through the wrapper `start` configures, against `node -e 0` (goal: within 1.5x). Two cases:
 * an owned path (allowed) and another phase's path (refused with its owner).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, nodeBaseline, report, sandbox, sh, sideBySide } from './lib.js';

export async function run(): Promise<void> {
  const box = sandbox('shop');
  const plan = 'version: 1\nname: bench\nphases:\n  - id: api\n    task: API\n    owns: [src/api/, "tests/api/**/*.ts"]\n  - id: ui\n    task: UI\n    owns: [src/ui/]\n';
  writeFileSync(join(box.dir, '.parallel.yml'), plan);
  sh('git', ['add', '.parallel.yml'], { cwd: box.dir, env: box.env });
  sh('git', ['commit', '-q', '-m', 'plan'], { cwd: box.dir, env: box.env });
  sh('git', ['config', 'parallel.base', 'main'], { cwd: box.dir, env: box.env });
  sh(process.execPath, [CLI, 'start', 'api'], { cwd: box.dir, env: box.env });
  const wt = join(box.root, 'shop-api');
  const settings = JSON.parse(readFileSync(join(wt, '.claude/settings.local.json'), 'utf8')) as { hooks: Record<string, { hooks: { command: string }[] }[]> };
  const command = settings.hooks.PreToolUse![0]!.hooks[0]!.command;
  const payload = (p: string) => JSON.stringify({ session_id: 'b', cwd: wt, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(wt, p), content: 'x' } });
  const decide = (p: string, want: number) => () => {
    const r = sh('/bin/sh', ['-c', command], { cwd: wt, env: box.env, input: payload(p), allowFail: true });
    if (r.code !== want) throw new Error(`agent-hook exited ${r.code} for ${p}: ${r.stderr}`);
  };
  decide('src/api/x.ts', 0)(); // the first edit after the plan changed compiles the rules
  const m = sideBySide({ node: nodeBaseline(), allowed: decide('src/api/x.ts', 0), refused: decide('src/ui/x.ts', 2) }, 15);
  report('PreToolUse decision, owned path (allowed)', m.allowed!, 'node -e 0', m.node!, 1.5);
  report('PreToolUse decision, another phase\'s path (refused)', m.refused!, 'node -e 0', m.node!, 1.5);
  rmSync(box.root, { recursive: true, force: true });
}
