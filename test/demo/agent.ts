/**
 * `npm run demo:agent`: a real Claude Code session in a phase worktree (offline, against the
 * scripted Messages API stand-in the tests use) tries to write a file another phase owns; the
 * hook parallel installed refuses it before it happens; the session ends and the dashboard shows
 * the phase waiting for a person.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo } from '../helpers/repo.js';
import { claudeBinary } from '../helpers/claude-code.js';
import { startStandIn } from '../helpers/messages-standin.js';

const say = (s: string) => console.log(`\n\x1b[1m${s}\x1b[0m`);
const repo = new TestRepo('shop');
try {
  repo.commit({
    '.parallel.yml': 'version: 1\nname: shop\nphases:\n  - id: api\n    task: Build the orders API\n    owns: [src/api/]\n  - id: ui\n    task: Build the shop front\n    owns: [src/ui/]\n',
    'README.md': 'shop\n',
  }, 'plan');
  repo.git(['config', 'parallel.base', 'main']);
  say('$ parallel start api ui');
  console.log(repo.parallel(['start', 'api', 'ui']).stdout);
  const api = join(repo.root, 'shop-api');
  const standIn = await startStandIn([
    { tool: 'Write', input: { file_path: join(api, 'src/ui/page.ts'), content: 'export {};\n' } },
    { tool: 'Write', input: { file_path: join(api, 'src/api/orders.ts'), content: 'export const orders = [];\n' } },
    { text: 'The orders API is in src/api/orders.ts; the page belongs to the ui phase.' },
  ]);
  say(`$ cd ${api} && claude -p "Build the orders API"   (model: a scripted stand-in on ${standIn.url})`);
  const out = await new Promise<string>((resolve) => {
    const child = spawn(claudeBinary(), ['-p', 'Build the orders API', '--output-format', 'json', '--permission-mode', 'acceptEdits'], {
      cwd: api, stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...repo.env, ANTHROPIC_BASE_URL: standIn.url, ANTHROPIC_API_KEY: 'sk-demo', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    child.on('close', () => resolve(text));
  });
  await standIn.close();
  const result = JSON.parse(out) as { result: string; permission_denials: { tool_name: string; tool_input: { file_path: string } }[] };
  say('Refused before it happened (what the model was told):');
  const refusal = standIn.requests.map((r) => JSON.stringify(r.body)).join('\n').match(/parallel: src\/ui\/page\.ts[^"\\]*/);
  console.log(`  ${refusal?.[0] ?? '(not found)'}`);
  for (const d of result.permission_denials) console.log(`  denied: ${d.tool_name} ${d.tool_input.file_path}`);
  console.log(`  src/ui/page.ts exists: ${existsSync(join(api, 'src/ui/page.ts'))}; src/api/orders.ts exists: ${existsSync(join(api, 'src/api/orders.ts'))}`);
  console.log(`  Claude Code: ${result.result}`);
  say('$ parallel status');
  console.log(repo.parallel(['status']).stdout);
  say('$ parallel log api');
  console.log(repo.parallel(['log', 'api']).stdout);
} finally {
  repo.cleanup();
}
