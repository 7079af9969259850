/**
 * The executables' launchers (scripts/build.mjs) compile their bundle with V8's code cache: one
 * cache file per command next to the bundle, written by the first run, reused after, and replaced
 * when V8 rejects it (the bundle changed). Run on a copy of the built package, so the shared
 * dist/ is not touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/repo.js';
import { addPhase, planRepo, type TestRepo } from './store-fixture.js';

const pkg = realpathSync(mkdtempSync(join(tmpdir(), 'parallel-codecache-')));
const main = join(pkg, 'dist', 'cli', 'main.js');
const bundle = join(pkg, 'dist', 'cli', 'main.bundle.cjs');

beforeAll(() => {
  for (const part of ['dist/cli', 'githooks', 'schema', 'package.json']) {
    cpSync(join(ROOT, part), join(pkg, part), { recursive: true, filter: (src) => !src.endsWith('.v8cache') });
  }
});
afterAll(() => rmSync(pkg, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv = {}, cwd = pkg): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd, encoding: 'utf8', env: { ...process.env, PARALLEL_DEBUG: '', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

it('writes a cache per command on the first run, reuses it, and replaces it when the bundle changes', () => {
  const caches = (command: string) => readdirSync(join(pkg, 'dist', 'cli')).filter((f) => f.startsWith(`main.bundle.cjs.${command}.`) && f.endsWith('.v8cache'));
  expect(caches('other')).toEqual([]);
  const first = run(['--version']);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  expect(caches('other')).toHaveLength(1);
  const cache = join(pkg, 'dist', 'cli', caches('other')[0]!);
  expect(statSync(cache).size).toBeGreaterThan(10_000);
  const written = statSync(cache).mtimeMs;

  const again = run(['--version']);
  expect(again.stdout).toBe(first.stdout);
  expect(statSync(cache).mtimeMs).toBe(written);

  // A command of its own gets its own file.
  expect(run(['help']).code).toBe(0);
  expect(caches('help')).toHaveLength(1);

  // A changed bundle: V8 rejects the old cache, the run still works and writes a new one.
  appendFileSync(bundle, '\n// changed\n');
  const changed = run(['--version']);
  expect(changed.code, changed.stderr).toBe(0);
  expect(changed.stdout).toBe(first.stdout);
  expect(caches('other')).toHaveLength(1);
});

it('does not run the code an old cache holds when the bundle is replaced by one of the same length', () => {
  // V8 checks a cache against the source's length only: a same-length edit (a patched message, a
  // version string) would run the old code with the old texts.
  const line = 'run several coding sessions on one git repository at once.';
  expect(run(['help']).stdout).toContain(line);
  const edited = line.toUpperCase();
  const text = readFileSync(bundle, 'utf8');
  expect(text).toContain(line);
  writeFileSync(bundle, text.replace(line, edited));
  const r = run(['help']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(edited);
});

it('loads the bundle plainly with source maps under PARALLEL_DEBUG, writing no cache', () => {
  const r = run(['status'], { PARALLEL_DEBUG: '1' });
  expect(r.stderr).not.toMatch(/SyntaxError|internal error/);
  expect(readdirSync(join(pkg, 'dist', 'cli')).filter((f) => f.includes('.status.'))).toEqual([]);
});

it('a cache damaged on disk (same size, other bytes) is rejected and replaced, not a crash', () => {
  const cache = `${bundle}.other.v8cache`;
  expect(run(['--version']).code).toBe(0);
  const bytes = readFileSync(cache);
  for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 4000; i++) bytes[i]! ^= 0x5a;
  writeFileSync(cache, bytes);
  const r = run(['--version']);
  expect(r.code, r.stderr.slice(0, 300)).toBe(0);
  expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  expect(readFileSync(cache).equals(bytes)).toBe(false);
  expect(run(['--version']).code).toBe(0);
});

it('a mistyped command (exit 2) leaves no cache file behind', () => {
  const r = run(['statsu']);
  expect(r.code).toBe(2);
  expect(existsSync(`${bundle}.statsu.v8cache`)).toBe(false);
});

it('a cache that cannot be replaced (a folder in its place) leaves no temporary file behind', () => {
  const cache = `${bundle}.log.v8cache`;
  mkdirSync(cache);
  try {
    expect(run(['log', '--help']).code).toBe(0);
    expect(readdirSync(join(pkg, 'dist', 'cli')).filter((n) => n.startsWith('main.bundle.cjs.log.v8cache.'))).toEqual([]);
  } finally {
    rmSync(cache, { recursive: true });
  }
});

describe('the lean bundle of the session commands', () => {
  let repo: TestRepo;
  let wt: string;
  const cli = (f: string) => readdirSync(join(pkg, 'dist', 'cli')).includes(f);
  beforeAll(() => {
    repo = planRepo();
    wt = addPhase(repo, 'schema');
  });
  afterAll(() => repo.cleanup());
  const runIn = (args: string[], cwd: string) => run(args, repo.env, cwd);

  it('is a small part of the full bundle and runs heartbeat, error and handoff in a phase worktree', () => {
    expect(statSync(join(pkg, 'dist', 'cli', 'session.bundle.cjs')).size).toBeLessThan(statSync(bundle).size / 5);
    // No YAML parser in it: a heartbeat reads no plan.
    expect(readFileSync(join(pkg, 'dist', 'cli', 'session.bundle.cjs'), 'utf8')).not.toContain('node_modules/yaml');
    for (const [args, said] of [[['heartbeat', '-p', '10', '-m', 'lean one'], /heartbeat recorded \(10%\)/], [['error', '-m', 'lean two'], /error recorded/], [['handoff', '-m', 'lean three'], /handoff recorded/]] as const) {
      const r = runIn([...args], wt);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(said);
      expect(cli(`session.bundle.cjs.${args[0]}.v8cache`)).toBe(true);
      expect(cli(`main.bundle.cjs.${args[0]}.v8cache`)).toBe(false);
    }
    const log = repo.parallel(['log']).stdout;
    for (const m of ['lean one', 'lean two', 'lean three']) expect(log.split(m).length - 1, log).toBe(1);
  });

  it('--phase from the main worktree runs the full bundle (it reads the plan)', () => {
    rmSync(join(pkg, 'dist', 'cli', 'session.bundle.cjs.heartbeat.v8cache'), { force: true });
    const r = runIn(['heartbeat', '--phase', 'schema', '-m', 'from the main worktree'], repo.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(cli('main.bundle.cjs.heartbeat.v8cache')).toBe(true);
    // Not the lean bundle first (it would start over from there).
    expect(cli('session.bundle.cjs.heartbeat.v8cache')).toBe(false);
    const unknown = runIn(['heartbeat', '--phase=nope'], repo.dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no phase "nope"/);
  });

  it('a command that needs a module the lean bundle left out starts over in the full bundle, once', () => {
    // A marker without the workspace name: the heartbeat reads the plan for it.
    const gitDir = repo.git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: wt }).stdout.trim();
    const marker = join(gitDir, 'parallel-phase');
    const saved = readFileSync(marker, 'utf8');
    writeFileSync(marker, 'phase=schema\nsession=schema\n');
    try {
      const r = runIn(['fail', '-m', 'started over'], wt);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.match(/marked failed/g)).toHaveLength(1);
      expect(r.stderr).toBe('');
      expect(cli('session.bundle.cjs.fail.v8cache')).toBe(true);
      expect(cli('main.bundle.cjs.fail.v8cache')).toBe(true);
      const log = repo.parallel(['log']).stdout;
      expect(log.split('started over').length - 1, log).toBe(1);
      // Input is read once, after the start-over (a file that can be read only once).
      const h = spawnSync('sh', ['-c', `echo 'summary once' | node '${main}' handoff --file /dev/stdin`], { cwd: wt, encoding: 'utf8', env: { ...process.env, ...repo.env, PARALLEL_DEBUG: '' } });
      expect(h.status, h.stderr).toBe(0);
      expect(repo.parallel(['log']).stdout).toContain('summary once');
      // And the error of a bad input still comes once, with its exit code.
      const bad = runIn(['error'], wt);
      expect(bad.code).toBe(2);
      expect(bad.stderr.match(/needs a message/g)).toHaveLength(1);
    } finally {
      writeFileSync(marker, saved);
    }
  });

  it('a refusal after the start-over comes once, with exit 1', () => {
    const idle = addPhase(repo, 'auth', { start: false });
    const gitDir = repo.git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: idle }).stdout.trim();
    writeFileSync(join(gitDir, 'parallel-phase'), 'phase=auth\nsession=auth\n');
    const r = runIn(['heartbeat', '-m', 'nobody started me'], idle);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.match(/is not started/g), r.stderr).toHaveLength(1);
    expect(r.stdout).toBe('');
    expect(repo.parallel(['log']).stdout).not.toContain('nobody started me');
  });

  it('PARALLEL_DEBUG runs the full bundle plainly (source maps, no cache)', () => {
    for (const f of readdirSync(join(pkg, 'dist', 'cli')).filter((n) => n.includes('.error.'))) rmSync(join(pkg, 'dist', 'cli', f));
    const r = run(['error', '-m', 'debugged'], { ...repo.env, PARALLEL_DEBUG: '1' }, wt);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/error recorded/);
    expect(readdirSync(join(pkg, 'dist', 'cli')).filter((n) => n.includes('.error.'))).toEqual([]);
  });
});
