/**
 * What ships works, from a fresh clone: copy the repository's tracked files (never built: no dist/)
 * to a temp dir, `npm pack` there (prepack must build), check the tarball holds every file `bin`
 * names, install it into a new project, and run the installed bins; then `npx --package <tarball>`
 * without an install. Runtime dependencies come from a registry stand-in on 127.0.0.1 (packuments
 * and tarballs packed from ROOT/node_modules) with an empty npm cache, so nothing depends on what
 * this machine happens to have cached.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT, SPEC_PLAN, sandboxEnv } from '../helpers/repo.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'parallel-pack-')));
let server: Server;
let registry = '';

interface Run { code: number; stdout: string; stderr: string }

/** Async: the registry stand-in answers from this process, so the event loop must stay free. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

interface Packed { filename: string; shasum: string; integrity: string; files: { path: string }[] }

function packJson(dir: string, dest: string, extra: string[] = []): Packed {
  const r = spawnSync('npm', ['pack', '--json', '--pack-destination', dest, ...extra], { cwd: dir, encoding: 'utf8', env: npmEnv() });
  if (r.status !== 0) throw new Error(`npm pack in ${dir} failed (${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as Packed[])[0]!;
}

/** npm isolated from the user's config and cache. */
function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toLowerCase().startsWith('npm_')) env[k] = v;
  return {
    ...env,
    npm_config_userconfig: join(tmp, 'npmrc'),
    npm_config_cache: join(tmp, 'npm-cache'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

/** A packument and tarball for every runtime dependency (and theirs), packed from ROOT/node_modules. */
function buildRegistry(): Map<string, Buffer | string> {
  const routes = new Map<string, Buffer | string>();
  const dest = join(tmp, 'registry');
  mkdirSync(dest);
  const seen = new Set<string>();
  const queue = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: object }).dependencies ?? {});
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const dir = join(ROOT, 'node_modules', name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; dependencies?: object };
    const packed = packJson(dir, dest, ['--ignore-scripts']);
    const file = `/${name}/-/${packed.filename.split('/').pop()}`;
    routes.set(file, readFileSync(join(dest, packed.filename)));
    const version = { ...manifest, _id: `${name}@${manifest.version}`, dist: { tarball: `${registry}${file}`, shasum: packed.shasum, integrity: packed.integrity } };
    routes.set(`/${name.replace('/', '%2f')}`, JSON.stringify({ name, 'dist-tags': { latest: manifest.version }, versions: { [manifest.version]: version } }));
    queue.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return routes;
}

beforeAll(async () => {
  writeFileSync(join(tmp, 'npmrc'), '');
  let routes = new Map<string, Buffer | string>();
  server = createServer((req, res) => {
    const body = routes.get((req.url ?? '').replace('%2F', '%2f'));
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': typeof body === 'string' ? 'application/json' : 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes = buildRegistry();
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

/** The repository as a fresh clone has it: tracked files of the working tree, no dist/. */
function freshCopy(): string {
  const src = join(tmp, 'src');
  const ls = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (ls.status !== 0) throw new Error(`git ls-files failed: ${ls.stderr}`);
  for (const file of ls.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree
    mkdirSync(dirname(join(src, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(src, file));
  }
  // The build's dev dependencies (typescript, @types/node) without a second install.
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
  return src;
}

it('packs from a fresh clone that was never built, installs from a registry with an empty cache, and runs parallel and git-parallel', async () => {
  const src = freshCopy();
  expect(existsSync(join(src, 'dist'))).toBe(false);
  const out = join(tmp, 'out');
  mkdirSync(out);
  const pack = await run('npm', ['pack', '--json', '--pack-destination', out], src, npmEnv());
  expect(pack.code, pack.stderr).toBe(0);
  const packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Packed[])[0]!;
  const inTarball = new Set(packed.files.map((f) => f.path));
  const bins = (JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
  expect(Object.keys(bins).sort()).toEqual(['git-parallel', 'parallel']);
  for (const file of Object.values(bins)) expect(inTarball, `tarball lacks ${file}`).toContain(file.replace(/^\.\//, ''));
  const tgz = join(out, packed.filename);

  const proj = join(tmp, 'proj');
  mkdirSync(proj);
  writeFileSync(join(proj, 'package.json'), '{ "name": "proj", "version": "1.0.0", "private": true }\n');
  const env = npmEnv({ npm_config_registry: registry });
  const install = await run('npm', ['install', '-D', tgz], proj, env);
  expect(install.code, install.stderr).toBe(0);
  expect(existsSync(join(proj, 'node_modules/git-parallel/schema/parallel.schema.json'))).toBe(true);

  const help = await run('npx', ['--no-install', 'parallel', '--help'], proj, env);
  expect(help.code, help.stderr).toBe(0);
  expect(help.stdout).toMatch(/^parallel: run several coding sessions/);
  expect(help.stdout).toMatch(/\n  check +validate the plan/);
  const version = await run('npx', ['--no-install', 'git-parallel', '--version'], proj, env);
  expect(version.code, version.stderr).toBe(0);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

  // The installed copy finds its own dependencies (yaml) when it reads a plan.
  const home = join(tmp, 'home');
  mkdirSync(home);
  writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = T\n\temail = t@example.com\n');
  const gitEnv = { ...sandboxEnv(home), ...env };
  expect((await run('git', ['init', '-q', '-b', 'main'], proj, gitEnv)).code).toBe(0);
  writeFileSync(join(proj, '.parallel.yml'), SPEC_PLAN);
  const check = await run('npx', ['--no-install', 'parallel', 'check', '--json'], proj, gitEnv);
  expect(check.code, check.stderr).toBe(0);
  expect(JSON.parse(check.stdout)).toMatchObject({ schema: 1, ok: true, waves: [['schema'], ['auth', 'dashboard'], ['review-auth']] });

  // `npx git-parallel <command>` without an install, as the published package gives it.
  const empty = join(tmp, 'empty');
  mkdirSync(empty);
  const npx = await run('npx', ['--yes', '--package', tgz, 'git-parallel', '--version'], empty, npmEnv({ npm_config_registry: registry, npm_config_cache: join(tmp, 'npx-cache') }));
  expect(npx.code, npx.stderr).toBe(0);
  expect(npx.stdout.trim()).toBe(version.stdout.trim());
}, 300_000);
