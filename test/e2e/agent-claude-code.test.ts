/**
 * The real Claude Code CLI in a phase worktree, offline against a scripted stand-in for the
 * Messages API: the hooks `parallel start` wrote give it the brief, refuse edits outside the
 * phase's ownership before they happen, and report its state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { planRepo, wtPath, type TestRepo } from './worktree-fixtures.js';
import { claudeBinary } from '../helpers/claude-code.js';
import { startStandIn, type StandIn } from '../helpers/messages-standin.js';

const PLAN = `version: 1
name: shop
phases:
  - id: api
    task: Build the orders API with prices in cents
    owns: [src/api/]
  - id: ui
    task: Build the shop front
    owns: [src/ui/]
`;

let repo: TestRepo;
let api: string;
let bin: string;
let claude: string;

type ClaudeResult = { session_id: string; permission_denials: { tool_name: string; tool_input: { file_path?: string } }[] };

/** Run claude -p asynchronously (the stand-in answers from this process's event loop). */
function runClaude(standIn: StandIn, prompt: string): Promise<{ code: number; result: ClaudeResult; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(claude, ['-p', prompt, '--output-format', 'json', '--permission-mode', 'acceptEdits'], {
      cwd: api, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...repo.env, PATH: `${bin}:/bin`, ANTHROPIC_BASE_URL: standIn.url, ANTHROPIC_API_KEY: 'sk-test-dummy', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve({ code: code ?? -1, result: JSON.parse(out) as ClaudeResult, stderr: err });
      } catch {
        reject(new Error(`claude printed no JSON (exit ${code}): ${out}\n${err}`));
      }
    });
  });
}

beforeAll(() => {
  claude = claudeBinary();
  repo = planRepo(PLAN);
  bin = join(repo.root, 'bin');
  mkdirSync(bin);
  symlinkSync(spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim(), join(bin, 'git'));
  expect(repo.parallel(['start', 'api', 'ui']).code).toBe(0);
  api = wtPath(repo, 'api');
});
afterAll(() => repo.cleanup());

describe('Claude Code in a phase worktree', () => {
  it('gets the brief, is refused edits outside ownership, and shows waiting after it exits', async () => {
    const standIn = await startStandIn([
      { tool: 'Write', input: { file_path: join(api, 'src/ui/page.ts'), content: 'ui\n' } },
      { tool: 'Write', input: { file_path: join(api, 'src/api/orders.ts'), content: 'export const orders = [];\n' } },
      { tool: 'Write', input: { file_path: join(api, '.parallel.yml'), content: 'x\n' } },
      { tool: 'Write', input: { file_path: join(repo.dir, 'src/api/orders.ts'), content: 'main\n' } },
      { text: 'I wrote the orders API.' },
    ]);
    try {
      const r = await runClaude(standIn, 'Build it.');
      expect(r.code, r.stderr).toBe(0);
      // The brief reached the model.
      expect(standIn.seen()).toContain('Build the orders API with prices in cents');
      // Three refusals, one edit made.
      const denied = r.result.permission_denials.map((d) => d.tool_input.file_path);
      expect(denied).toEqual([join(api, 'src/ui/page.ts'), join(api, '.parallel.yml'), join(repo.dir, 'src/api/orders.ts')]);
      expect(existsSync(join(api, 'src/ui/page.ts'))).toBe(false);
      expect(existsSync(join(repo.dir, 'src/api/orders.ts'))).toBe(false);
      expect(readFileSync(join(api, 'src/api/orders.ts'), 'utf8')).toBe('export const orders = [];\n');
      // The reason the model received names the owner.
      expect(standIn.seen()).toContain('src/ui/page.ts is owned by ui, not by phase api');
      // The session ended without done: waiting (exited), at once.
      const st = repo.json<{ phases: { id: string; state: string; waiting_reason: string | null }[] }>(['status']).data;
      expect(st.phases.find((p) => p.id === 'api')).toMatchObject({ state: 'waiting', waiting_reason: 'exited' });
      const events = repo.json<{ events: { type: string; agent_session?: string; reason?: string }[] }>(['log', 'api']).data.events;
      expect(events.find((e) => e.type === 'attach')?.agent_session).toBe(r.result.session_id);
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['attach', 'heartbeat', 'waiting', 'exited']));
      expect(events.find((e) => e.type === 'waiting')?.reason).toBe('idle');
    } finally {
      await standIn.close();
    }
  }, 90_000);

  it('a decision made meanwhile reaches the model with the next prompt', async () => {
    expect(repo.parallel(['decide', 'Totals are computed on the server']).code).toBe(0);
    const standIn = await startStandIn([{ text: 'Noted.' }]);
    try {
      const r = await runClaude(standIn, 'Carry on.');
      expect(r.code, r.stderr).toBe(0);
      expect(standIn.seen()).toContain('Totals are computed on the server');
    } finally {
      await standIn.close();
    }
  }, 90_000);
});
