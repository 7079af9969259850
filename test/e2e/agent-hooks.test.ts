/**
 * Coding agents' hooks in phase worktrees, driven the way the agents drive them: the commands
 * written into `.claude/settings.local.json` and `.codex/hooks.json` by `parallel start`, fed the
 * documented payloads on stdin, from the worktree, with no parallel on PATH.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { planRepo, wtPath, type TestRepo } from './worktree-fixtures.js';

const PLAN = `version: 1
name: app
phases:
  - id: api
    task: Build the orders API
    owns: [src/api/]
  - id: ui
    task: Build the shop front
    owns: [src/ui/]
`;

let repo: TestRepo;
let api: string;
let bin: string;

interface Hooks { hooks: Record<string, { matcher?: string; hooks: { command: string }[] }[]> }

/** Codex reads every linked worktree's project hooks from the main checkout's `.codex/hooks.json`. */
function settings(file: string): Hooks {
  return JSON.parse(readFileSync(join(file.startsWith('.codex/') ? repo.dir : api, file), 'utf8')) as Hooks;
}

/** Run the command the agent's settings configure for `event`, as the agent would (sh -c, cwd = worktree). */
function fire(file: string, event: string, payload: unknown, env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const groups = settings(file).hooks[event]!;
  const ours = groups.flatMap((g) => g.hooks).find((h) => h.command.includes('agent-hook.sh'))!;
  const r = spawnSync('/bin/sh', ['-c', ours.command], {
    cwd: api, encoding: 'utf8', input: typeof payload === 'string' ? payload : JSON.stringify(payload),
    env: { ...repo.env, PATH: bin, ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const claude = (event: string, extra: Record<string, unknown>) => fire('.claude/settings.local.json', event, { session_id: 'cc-123', transcript_path: '/x', cwd: api, hook_event_name: event, ...extra });

beforeAll(() => {
  repo = planRepo(PLAN, { files: { '.gitignore': 'node_modules/\n', 'src/ui/kept.gen.ts': 'tracked\n' } });
  // PATH holds git only: the hooks must find Node and parallel by themselves.
  bin = join(repo.root, 'bin');
  mkdirSync(bin);
  const git = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(git, join(bin, 'git'));
  const r = repo.parallel(['start', 'api', 'ui']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`launch: cd ${wtPath(repo, 'api')} && claude`);
  expect(r.stdout).toContain('codex');
  api = wtPath(repo, 'api');
});
afterAll(() => repo.cleanup());

describe('agent hooks written by start', () => {
  it('writes Claude Code and Codex settings that git status does not show', () => {
    expect(settings('.claude/settings.local.json').hooks.PreToolUse![0]!.matcher).toContain('Write');
    expect(settings('.codex/hooks.json').hooks.PreToolUse).toBeDefined();
    expect(repo.git(['status', '--porcelain', '--untracked-files=all'], { cwd: api }).stdout).toBe('');
    expect(repo.git(['status', '--porcelain', '--untracked-files=all']).stdout).toBe('');
    // The worktree's own .codex/ is an empty folder: Codex loads the main checkout's hooks only
    // for a worktree that has one.
    expect(readdirSync(join(api, '.codex'))).toEqual([]);
  });

  it('session start gives the brief as context and records attach with the agent\'s session id', () => {
    const r = claude('SessionStart', { source: 'startup' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Build the orders API');
    expect(r.stdout).toContain('src/api/');
    expect(r.stdout.length).toBeLessThanOrEqual(10_000);
    const log = repo.json<{ events: { type: string; agent_session?: string }[] }>(['log', 'api']).data.events;
    expect(log.find((e) => e.type === 'attach')?.agent_session).toBe('cc-123');
  });

  it('allows owned, ignored, scratch and outside paths; refuses another phase\'s file, the plan, another worktree and the git dir', () => {
    const write = (file_path: string) => claude('PreToolUse', { tool_name: 'Write', tool_input: { file_path, content: 'x' }, tool_use_id: 't1' });
    expect(write(join(api, 'src/api/orders.ts')).code).toBe(0);
    expect(write(join(api, 'node_modules/x/index.js')).code).toBe(0);
    expect(write(join(api, '.parallel/scratch/api/notes.md')).code).toBe(0);
    expect(write('/tmp/parallel-agent-test.txt').code).toBe(0);
    const foreign = write(join(api, 'src/ui/page.ts'));
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/src\/ui\/page\.ts is owned by ui, not by phase api/);
    expect(foreign.stderr).not.toMatch(/PARALLEL=0|--no-verify/);
    const plan = write(join(api, '.parallel.yml'));
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('coordinator');
    const main = write(join(repo.dir, 'src/api/orders.ts'));
    expect(main.code).toBe(2);
    expect(main.stderr).toContain('another worktree');
    const other = write(join(wtPath(repo, 'ui'), 'src/ui/page.ts'));
    expect(other.code).toBe(2);
    expect(write(join(repo.dir, '.git/config')).code).toBe(2);
    const nb = claude('PreToolUse', { tool_name: 'Edit', tool_input: { file_path: 'src/ui/x.ts', old_string: 'a', new_string: 'b' } });
    expect(nb.code).toBe(2);
  });

  it('refuses shell commands that skip the hooks', () => {
    const bash = (command: string) => claude('PreToolUse', { tool_name: 'Bash', tool_input: { command } }).code;
    expect(bash('git commit --no-verify -m x')).toBe(2);
    expect(bash('git add . && git commit -nm x')).toBe(2);
    expect(bash('git -c core.hooksPath=/dev/null commit -m x')).toBe(2);
    expect(bash('PARALLEL=0 git commit -m x')).toBe(2);
    expect(bash('git commit -m "fix"')).toBe(0);
    expect(bash('ls -n')).toBe(0);
  });

  it('Codex: apply_patch naming a foreign file is refused, an owned one allowed', () => {
    const patch = (path: string) => fire('.codex/hooks.json', 'PreToolUse', {
      session_id: 'cx-1', cwd: api, hook_event_name: 'PreToolUse', model: 'm', turn_id: 't', tool_name: 'apply_patch',
      tool_input: { command: `*** Begin Patch\n*** Add File: ${path}\n+hello\n*** End Patch\n` },
    });
    expect(patch('src/api/a.ts').code).toBe(0);
    const r = patch('src/ui/a.ts');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('owned by ui');
  });

  it('Codex: apply_patch naming many files refuses exactly the foreign ones git does not ignore (a tracked file is never ignored)', () => {
    const ignore = join(api, '.gitignore');
    writeFileSync(ignore, 'node_modules/\n*.gen.ts\n');
    try {
      const files = ['src/api/a.ts', 'node_modules/x.js', 'src/ui/page.ts', 'src/ui/node_modules/y.js', 'src/ui/kept.gen.ts', 'src/ui/new.gen.ts', 'src/ui/a b.ts', 'README.md', 'src/ui/caf\u00e9.ts'];
      const r = fire('.codex/hooks.json', 'PreToolUse', {
        session_id: 'cx-1', cwd: api, hook_event_name: 'PreToolUse', model: 'm', turn_id: 't', tool_name: 'apply_patch',
        tool_input: { command: `*** Begin Patch\n${files.map((f) => `*** Add File: ${f}\n+x\n`).join('')}*** End Patch\n` },
      });
      expect(r.code).toBe(2);
      const refused = [...r.stderr.matchAll(/parallel: (.+?) is owned by (.+?), not by phase api/g)].map((m) => `${m[1]} (${m[2]})`);
      expect(refused).toEqual(['src/ui/page.ts (ui)', 'src/ui/kept.gen.ts (ui)', 'src/ui/a b.ts (ui)', 'README.md (no phase)', 'src/ui/caf\u00e9.ts (ui)']);
    } finally {
      repo.git(['checkout', '--', '.gitignore'], { cwd: api });
    }
  });

  it('a payload that is not JSON refuses an edit with a reason and never crashes', () => {
    const r = fire('.claude/settings.local.json', 'PreToolUse', 'not json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^parallel: the hook's input is not JSON/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('Stop makes the phase waiting (idle), a tool call running again, the exit waiting (exited); --wait returns 5', () => {
    expect(claude('Stop', { stop_hook_active: false, last_assistant_message: 'I wrote the orders API.\nMore.' }).code).toBe(0);
    let st = repo.json<{ counts: { waiting: number }; phases: { id: string; state: string; waiting_reason: string | null }[] }>(['status']).data;
    expect(st.phases.find((p) => p.id === 'api')).toMatchObject({ state: 'waiting', waiting_reason: 'idle' });
    expect(st.counts.waiting).toBe(1);
    const dash = repo.parallel(['status']).stdout;
    expect(dash).toMatch(/\[\?\] api .*WAITING \(idle\)/);
    const w = repo.parallel(['status', '--wait', '--timeout', '5s']);
    expect(w.code).toBe(5);
    expect(w.stdout).toMatch(/needs a person: api \(idle: I wrote the orders API\.\)/);
    expect(claude('PostToolUse', { tool_name: 'Write', tool_input: {}, tool_response: {} }).code).toBe(0);
    st = repo.json<typeof st>(['status']).data;
    expect(st.phases.find((p) => p.id === 'api')).toMatchObject({ state: 'running', waiting_reason: null });
    expect(claude('SessionEnd', { reason: 'other' }).code).toBe(0);
    st = repo.json<typeof st>(['status']).data;
    expect(st.phases.find((p) => p.id === 'api')).toMatchObject({ state: 'waiting', waiting_reason: 'exited' });
    const types = repo.json<{ events: { type: string }[] }>(['log', 'api']).data.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['attach', 'waiting', 'heartbeat', 'exited']));
  });

  it('the next prompt brings what is new: a decision', () => {
    expect(claude('UserPromptSubmit', { prompt: 'go on' }).code).toBe(0);
    expect(repo.parallel(['decide', 'Prices are integers in cents']).code).toBe(0);
    const r = claude('UserPromptSubmit', { prompt: 'next' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Prices are integers in cents');
    expect(claude('UserPromptSubmit', { prompt: 'again' }).stdout).not.toContain('Prices');
  });

  it('200 PostToolUse calls in a row make at most 2 store writes', () => {
    const before = repo.json<{ events: { type: string }[] }>(['log', 'ui']).data.events.filter((e) => e.type === 'heartbeat').length;
    const ui = wtPath(repo, 'ui');
    const cmd = (JSON.parse(readFileSync(join(ui, '.claude/settings.local.json'), 'utf8')) as Hooks).hooks.PostToolUse![0]!.hooks[0]!.command;
    const payload = JSON.stringify({ session_id: 'cc-9', cwd: ui, hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: {}, tool_response: {} });
    const t0 = Date.now();
    const r = spawnSync('/bin/sh', ['-c', `i=0; while [ $i -lt 200 ]; do printf '%s' "$P" | ${cmd} || exit 9; i=$((i+1)); done`], { cwd: ui, encoding: 'utf8', env: { ...repo.env, PATH: bin, P: payload } });
    expect(r.status, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(60_000);
    const after = repo.json<{ events: { type: string }[] }>(['log', 'ui']).data.events.filter((e) => e.type === 'heartbeat').length;
    expect(after - before).toBeGreaterThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(2);
  }, 90_000);
});

describe('doctor', () => {
  it('reports missing agent settings with the fix, and is content after it', () => {
    rmSync(join(repo.dir, '.codex/hooks.json'));
    const d = repo.parallel(['doctor']);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain(`phase ui: codex's hook settings (${join(repo.dir, '.codex/hooks.json')}) are missing`);
    expect(d.stdout).toContain('fix: parallel agents install ui');
    expect(repo.parallel(['agents', 'install', 'ui']).code).toBe(0);
    expect(repo.parallel(['doctor']).stdout).toMatch(/ok\s+agents: claude, codex/);
  });
});

describe('settings merging', () => {
  it('keeps the user\'s keys and hooks through start and two installs; remove restores the file; a tracked file is never written', () => {
    const user = `{\n  "permissions": { "allow": ["Bash(npm test)"] },\n  "hooks": {\n    "PreToolUse": [ { "matcher": "Bash", "hooks": [ { "type": "command", "command": "echo mine" } ] } ]\n  }\n}\n`;
    const r2 = planRepo(PLAN, { files: { '.codex/hooks.json': '{"hooks":{}}\n' } });
    try {
      // The user's own local settings, present before start (copied into the worktree by copy:).
      expect(r2.parallel(['start', 'api']).code).toBe(0);
      const wt = wtPath(r2, 'api');
      r2.write('.claude/settings.local.json', user, wt);
      expect(r2.parallel(['agents', 'install']).code).toBe(1); // codex: tracked
      const out = r2.parallel(['agents', 'install', 'api']);
      expect(out.stdout).toContain(`codex is not set up: the repository tracks ${join(r2.dir, '.codex/hooks.json')}`);
      const s = JSON.parse(readFileSync(join(wt, '.claude/settings.local.json'), 'utf8')) as Hooks & { permissions: unknown };
      expect(s.permissions).toEqual({ allow: ['Bash(npm test)'] });
      const pre = s.hooks.PreToolUse!.flatMap((g) => g.hooks.map((h) => h.command));
      expect(pre.filter((c) => c === 'echo mine')).toHaveLength(1);
      expect(pre.filter((c) => c.includes('agent-hook.sh'))).toHaveLength(1);
      expect(readFileSync(join(wt, '.codex/hooks.json'), 'utf8')).toBe('{"hooks":{}}\n');
      expect(r2.git(['status', '--porcelain', '--untracked-files=all'], { cwd: wt }).stdout).toBe('');
      expect(r2.parallel(['agents', 'remove', 'api']).code).toBe(0);
      expect(readFileSync(join(wt, '.claude/settings.local.json'), 'utf8')).toBe(user);
      // A worktree with no settings of the user's: remove leaves nothing behind.
      expect(r2.parallel(['start', 'ui']).code).toBe(0);
      expect(existsSync(join(wtPath(r2, 'ui'), '.claude/settings.local.json'))).toBe(true);
      expect(r2.parallel(['agents', 'remove', 'ui']).code).toBe(0);
      expect(existsSync(join(wtPath(r2, 'ui'), '.claude'))).toBe(false);
    } finally {
      r2.cleanup();
    }
  });
});

describe('Codex hooks shared through the main checkout', () => {
  it('agents remove turns them off for one phase, and takes them out when no phase uses them', () => {
    const r3 = planRepo(PLAN);
    try {
      expect(r3.parallel(['start', 'api', 'ui']).code).toBe(0);
      const main = join(r3.dir, '.codex/hooks.json');
      const pre = (JSON.parse(readFileSync(main, 'utf8')) as Hooks).hooks.PreToolUse!.flatMap((g) => g.hooks).find((h) => h.command.includes('agent-hook.sh'))!.command;
      const patch = (wt: string) => spawnSync('/bin/sh', ['-c', pre], {
        cwd: wt, encoding: 'utf8', env: { ...r3.env, PATH: bin },
        input: JSON.stringify({ session_id: 'cx-2', cwd: wt, hook_event_name: 'PreToolUse', tool_name: 'apply_patch', tool_input: { command: '*** Begin Patch\n*** Add File: README.md\n+x\n*** End Patch\n' } }),
      }).status;
      expect(patch(wtPath(r3, 'api'))).toBe(2);
      const out = r3.parallel(['agents', 'remove', 'api']);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('kept: other phase worktrees use it');
      expect(existsSync(join(wtPath(r3, 'api'), '.codex'))).toBe(false);
      expect(patch(wtPath(r3, 'api'))).toBe(0); // off in api
      expect(patch(wtPath(r3, 'ui'))).toBe(2); // still on in ui
      expect(r3.parallel(['agents', 'remove', 'ui']).code).toBe(0);
      expect(existsSync(join(r3.dir, '.codex'))).toBe(false);
      expect(r3.git(['status', '--porcelain', '--untracked-files=all']).stdout).toBe('');
    } finally {
      r3.cleanup();
    }
  });
});

describe('the edit check after the plan changes on base', () => {
  it('judges by the plan now on base, never by a plan it saw before', () => {
    const write = (file_path: string) => claude('PreToolUse', { tool_name: 'Write', tool_input: { file_path, content: 'x' }, tool_use_id: 't9' });
    const target = join(api, 'docs/api.md');
    expect(write(target).code).toBe(2); // nobody owns docs/ yet
    expect(write(target).code).toBe(2); // asked twice: the second answer comes from what the first recorded
    // The coordinator gives docs/ to api on base, with git's hooks off (no hook refreshes any state).
    repo.write('.parallel.yml', PLAN.replace('owns: [src/api/]', 'owns: [src/api/, docs/]'));
    repo.git(['add', '.parallel.yml']);
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'plan: api owns docs']);
    const r = write(target);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('the edit check under git -c configuration', () => {
  it('does not record a one-off parallel.base as the base later commands use', () => {
    const cache = join(repo.dir, '.git', 'parallel', 'cache');
    rmSync(join(cache, 'hook-state'), { force: true });
    rmSync(join(cache, 'agent-state'), { force: true });
    const r = fire('.claude/settings.local.json', 'PreToolUse', { session_id: 'cc-123', transcript_path: '/x', cwd: api, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(api, 'src/api/x.ts'), content: 'x' }, tool_use_id: 't10' }, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'parallel.base', GIT_CONFIG_VALUE_0: 'parallel/ui' });
    expect(r.code === 0 || r.code === 2, r.stderr).toBe(true);
    const status = repo.parallel(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { base: string }).base).toBe('main');
  });
});
