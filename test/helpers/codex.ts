/**
 * The real Codex CLI from the dev dependency `@openai/codex`. Its launcher (`bin/codex.js`) runs
 * the native binary of the platform package npm installs as an optional dependency
 * (`@openai/codex-linux-x64` and the like, an alias of `@openai/codex@<version>-<platform>`; no
 * install script). A CODEX_HOME of the test's own points it at a stand-in model provider on
 * 127.0.0.1 with a dummy key, and holds the trust a person gives once: the main checkout's folder
 * (Codex keys a linked worktree's trust and project hooks on it) and each hook, by the hash Codex
 * itself reports (what approving them in `/hooks` records).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ROOT } from './repo.js';

const require = createRequire(join(ROOT, 'package.json'));

/** The launcher users run (`npx codex`), after checking the platform's native binary is there. */
export function codexLauncher(): string {
  const pkg = dirname(require.resolve('@openai/codex/package.json'));
  const launcher = join(pkg, 'bin', 'codex.js');
  const platform = `@openai/codex-${process.platform}-${process.arch}`;
  let vendor: string;
  try {
    vendor = join(dirname(require.resolve(`${platform}/package.json`, { paths: [pkg] })), 'vendor');
  } catch {
    throw new Error(`Codex's native binary is missing: ${platform} (an optional dependency of @openai/codex) is not installed; run "npm ci" without --omit=optional`);
  }
  if (!existsSync(vendor)) throw new Error(`Codex's native binary is missing from ${vendor}`);
  return launcher;
}

/** A CODEX_HOME whose config uses the stand-in at `baseUrl` and trusts `trusted` folders. */
export function writeCodexHome(home: string, baseUrl: string, trusted: string[]): void {
  mkdirSync(home, { recursive: true });
  const lines = [
    // A model of Codex's bundled catalogue: its tools (freeform apply_patch, exec_command) without a catalogue fetch.
    'model = "gpt-5.5"',
    'model_provider = "standin"',
    'check_for_update_on_startup = false',
    '',
    '[model_providers.standin]',
    'name = "Stand-in"',
    `base_url = ${JSON.stringify(baseUrl)}`,
    'wire_api = "responses"',
    'env_key = "STANDIN_API_KEY"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ];
  for (const dir of trusted) lines.push(`[projects.${JSON.stringify(dir)}]`, 'trust_level = "trusted"', '');
  writeFileSync(join(home, 'config.toml'), lines.join('\n'));
}

export interface CodexHook { key: string; command: string; eventName: string; currentHash: string; trustStatus: string }

/** Ask Codex's app-server which hooks apply in `cwd` (`hooks/list`), as its `/hooks` view does. */
export function listHooks(env: NodeJS.ProcessEnv, cwd: string): Promise<CodexHook[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [codexLauncher(), 'app-server'], { cwd, env, stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('codex app-server did not answer hooks/list within 60 s')); }, 60_000);
    let buf = '';
    const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
    child.on('error', reject);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let m: { id?: number; result?: { data?: { hooks: CodexHook[] }[] }; error?: unknown };
        try {
          m = JSON.parse(line) as typeof m;
        } catch {
          continue;
        }
        if (m.id === 1) {
          send({ jsonrpc: '2.0', method: 'initialized' });
          send({ jsonrpc: '2.0', id: 2, method: 'hooks/list', params: { cwds: [cwd] } });
        } else if (m.id === 2) {
          clearTimeout(timer);
          child.kill();
          if (m.error) reject(new Error(`hooks/list failed: ${JSON.stringify(m.error)}`));
          else resolve(m.result?.data?.[0]?.hooks ?? []);
        }
      }
    });
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { clientInfo: { name: 'parallel-test', version: '0' } } });
  });
}

/** Record trust for `hooks` in CODEX_HOME's config.toml, by the hashes Codex reported. */
export function trustHooks(home: string, hooks: CodexHook[]): void {
  appendFileSync(join(home, 'config.toml'), hooks.map((h) => `\n[hooks.state.${JSON.stringify(h.key)}]\ntrusted_hash = ${JSON.stringify(h.currentHash)}\n`).join(''));
}
