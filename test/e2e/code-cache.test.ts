/**
 * The executables' launchers (scripts/build.mjs) compile their bundle with V8's code cache: one
 * cache file per command next to the bundle, written by the first run, reused after, and replaced
 * when V8 rejects it (the bundle changed). Run on a copy of the built package, so the shared
 * dist/ is not touched.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/repo.js';

const pkg = realpathSync(mkdtempSync(join(tmpdir(), 'parallel-codecache-')));
const main = join(pkg, 'dist', 'cli', 'main.js');
const bundle = join(pkg, 'dist', 'cli', 'main.bundle.cjs');

beforeAll(() => {
  for (const part of ['dist/cli', 'githooks', 'schema', 'package.json']) {
    cpSync(join(ROOT, part), join(pkg, part), { recursive: true, filter: (src) => !src.endsWith('.v8cache') });
  }
});
afterAll(() => rmSync(pkg, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: pkg, encoding: 'utf8', env: { ...process.env, PARALLEL_DEBUG: '', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

it('writes a cache per command on the first run, reuses it, and replaces it when the bundle changes', () => {
  const cache = `${bundle}.other.v8cache`;
  expect(existsSync(cache)).toBe(false);
  const first = run(['--version']);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  expect(statSync(cache).size).toBeGreaterThan(10_000);
  const written = statSync(cache).mtimeMs;

  const again = run(['--version']);
  expect(again.stdout).toBe(first.stdout);
  expect(statSync(cache).mtimeMs).toBe(written);

  // A command of its own gets its own file.
  expect(run(['help']).code).toBe(0);
  expect(existsSync(`${bundle}.help.v8cache`)).toBe(true);

  // A changed bundle: V8 rejects the old cache, the run still works and writes a new one.
  appendFileSync(bundle, '\n// changed\n');
  const changed = run(['--version']);
  expect(changed.code, changed.stderr).toBe(0);
  expect(changed.stdout).toBe(first.stdout);
  expect(statSync(cache).mtimeMs).not.toBe(written);
});

it('loads the bundle plainly with source maps under PARALLEL_DEBUG, writing no cache', () => {
  const cache = `${bundle}.status.v8cache`;
  const r = run(['status'], { PARALLEL_DEBUG: '1' });
  expect(r.stderr).not.toMatch(/SyntaxError|internal error/);
  expect(existsSync(cache)).toBe(false);
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
