/**
 * The real Codex CLI (`codex exec`) in a phase worktree, offline against a scripted stand-in for
 * the Responses API on 127.0.0.1: the hooks `parallel start` set up give it the brief, refuse an
 * apply_patch outside the phase's ownership and a commit that skips the hooks before they run,
 * and report its state. Codex reads a linked worktree's project hooks from the main checkout's
 * `.codex/hooks.json`, and runs them once the folder and each hook are trusted (done here the way
 * a person's approval in `/hooks` records it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { planRepo, wtPath, type TestRepo } from './worktree-fixtures.js';
import { codexLauncher, listHooks, trustHooks, writeCodexHome } from '../helpers/codex.js';
import { startResponsesStandIn, type ResponsesStandIn, type ResponsesTurn } from '../helpers/responses-standin.js';

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
let launcher: string;
let home: string;
let env: NodeJS.ProcessEnv;
let standIn: ResponsesStandIn;

type Status = { phases: { id: string; state: string; waiting_reason: string | null }[] };

const addFile = (path: string, line: string) => `*** Begin Patch\n*** Add File: ${path}\n+${line}\n*** End Patch`;

/** Run `codex exec` asynchronously (the stand-in answers from this process's event loop). */
function runCodex(prompt: string): Promise<{ code: number; events: { type: string; thread_id?: string }[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, 'exec', '--json', '-s', 'workspace-write', prompt], {
      cwd: api, stdio: ['ignore', 'pipe', 'pipe'], env,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; thread_id?: string });
      resolve({ code: code ?? -1, events, stderr: err });
    });
  });
}

beforeAll(async () => {
  launcher = codexLauncher();
  repo = planRepo(PLAN);
  const bin = join(repo.root, 'bin');
  mkdirSync(bin);
  symlinkSync(spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim(), join(bin, 'git'));
  const r = repo.parallel(['start', 'api', 'ui']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`codex hooks written to ${join(repo.dir, '.codex/hooks.json')}`);
  api = wtPath(repo, 'api');
  home = join(repo.root, 'codex-home');
  // PATH holds git and the system's shell tools only: the hooks find Node and parallel by themselves.
  env = { ...repo.env, PATH: `${bin}:/bin`, CODEX_HOME: home, STANDIN_API_KEY: 'sk-test-dummy' };
  for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'CODEX_API_KEY']) delete env[k];
  standIn = await startResponsesStandIn();
  writeCodexHome(home, standIn.url, [repo.dir]);
}, 60_000);
afterAll(async () => {
  await standIn?.close();
  repo?.cleanup();
});

describe('Codex in a phase worktree', () => {
  it('finds parallel\'s hooks for every phase worktree in the main checkout, to be trusted once', async () => {
    const before = (await listHooks(env, api)).filter((h) => h.command.includes('agent-hook.sh'));
    expect(before.map((h) => h.eventName).sort()).toEqual(['postToolUse', 'preToolUse', 'sessionEnd', 'sessionStart', 'stop', 'userPromptSubmit']);
    expect(before.every((h) => h.key.startsWith(`${join(repo.dir, '.codex/hooks.json')}:`) && h.trustStatus === 'untrusted')).toBe(true);
    trustHooks(home, before);
    expect((await listHooks(env, api)).filter((h) => h.command.includes('agent-hook.sh')).map((h) => h.trustStatus)).toEqual(before.map(() => 'trusted'));
    // The same hooks, and the same trust, in the other phase's worktree.
    expect((await listHooks(env, wtPath(repo, 'ui'))).filter((h) => h.trustStatus === 'trusted').map((h) => h.key).sort()).toEqual(before.map((h) => h.key).sort());
  }, 120_000);

  it('gets the brief, is refused an apply_patch outside ownership and a --no-verify commit, and reports running, idle, exited', async () => {
    let during: Status['phases'][number] | undefined;
    const script: ResponsesTurn[] = [
      { custom: 'apply_patch', input: addFile('src/ui/page.ts', 'ui'), before: () => { during = repo.json<Status>(['status']).data.phases.find((p) => p.id === 'api'); } },
      { custom: 'apply_patch', input: addFile('src/api/orders.ts', 'export const orders = [];') },
      { call: 'exec_command', arguments: { cmd: 'git commit --no-verify -m orders' } },
      { text: 'I wrote the orders API.' },
    ];
    standIn.reset(script);
    {
      const r = await runCodex('Build it.');
      expect(r.code, r.stderr).toBe(0);
      expect(standIn.requests.filter((q) => q.path.endsWith('/responses'))).toHaveLength(4);
      // The brief reached the model (SessionStart's context).
      expect(standIn.seen()).toContain('Build the orders API with prices in cents');
      // While the turn ran, the phase was running (UserPromptSubmit).
      expect(during).toMatchObject({ state: 'running' });
      // The foreign file was refused with its owner; the owned one written.
      expect(standIn.outputOf(0)).toContain('src/ui/page.ts is owned by ui, not by phase api');
      expect(existsSync(join(api, 'src/ui/page.ts'))).toBe(false);
      expect(readFileSync(join(api, 'src/api/orders.ts'), 'utf8')).toBe('export const orders = [];\n');
      expect(standIn.outputOf(1)).toContain('Success');
      // The commit that skips the hooks never ran.
      expect(standIn.outputOf(2)).toContain('refused because it passes --no-verify');
      expect(repo.git(['rev-list', '--count', 'main..parallel/api']).stdout.trim()).toBe('0');
      // Stop made it waiting (idle) with the last message; the end of the session, exited.
      const st = repo.json<Status>(['status']).data;
      expect(st.phases.find((p) => p.id === 'api')).toMatchObject({ state: 'waiting', waiting_reason: 'exited' });
      const events = repo.json<{ events: { type: string; agent?: string; agent_session?: string; reason?: string; message?: string }[] }>(['log', 'api']).data.events;
      const thread = r.events.find((e) => e.type === 'thread.started')?.thread_id;
      expect(thread).toBeTruthy();
      expect(events.find((e) => e.type === 'attach')).toMatchObject({ agent: 'codex', agent_session: thread });
      expect(events.find((e) => e.type === 'waiting')).toMatchObject({ reason: 'idle', message: 'I wrote the orders API.' });
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['attach', 'heartbeat', 'waiting', 'exited']));
    }
  }, 120_000);

  it('a decision made meanwhile reaches the model with the next prompt', async () => {
    expect(repo.parallel(['decide', 'Totals are computed on the server']).code).toBe(0);
    standIn.reset([{ text: 'Noted.' }]);
    const r = await runCodex('Carry on.');
    expect(r.code, r.stderr).toBe(0);
    expect(standIn.seen()).toContain('Totals are computed on the server');
  }, 120_000);
});
