/**
 * What ships works: `npm pack` the package (dist is already built by `npm test`), install the
 * tarball into a fresh project from the npm cache, and run the installed bins there.
 */
import { afterAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync, existsSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SPEC_PLAN, sandboxEnv } from '../helpers/repo.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'parallel-pack-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

it('packs, installs offline into a temp project, and runs parallel and git-parallel from it', () => {
  // --ignore-scripts: no rebuild of dist/ under other running tests (npm test built it already).
  const pack = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], ROOT);
  expect(pack.code, pack.stderr).toBe(0);
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  expect(tgz).toBeDefined();

  const proj = join(tmp, 'proj');
  mkdirSync(proj);
  writeFileSync(join(proj, 'package.json'), '{ "name": "proj", "version": "1.0.0", "private": true }\n');
  const install = run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(tmp, tgz!)], proj);
  expect(install.code, install.stderr).toBe(0);
  expect(existsSync(join(proj, 'node_modules/git-parallel/schema/parallel.schema.json'))).toBe(true);

  const help = run('npx', ['--no-install', 'parallel', '--help'], proj);
  expect(help.code, help.stderr).toBe(0);
  expect(help.stdout).toMatch(/^parallel: run several coding sessions/);
  expect(help.stdout).toMatch(/\n  check +validate the plan/);
  const version = run('npx', ['--no-install', 'git-parallel', '--version'], proj);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

  // The installed copy finds its own dependencies (yaml) when it reads a plan.
  const env = sandboxEnv(join(tmp, 'home'));
  mkdirSync(join(tmp, 'home'));
  writeFileSync(join(tmp, 'home/.gitconfig'), '[user]\n\tname = T\n\temail = t@example.com\n');
  expect(run('git', ['init', '-q', '-b', 'main'], proj, env).code).toBe(0);
  writeFileSync(join(proj, '.parallel.yml'), SPEC_PLAN);
  const check = run('npx', ['--no-install', 'parallel', 'check', '--json'], proj, env);
  expect(check.code, check.stderr).toBe(0);
  expect(JSON.parse(check.stdout)).toMatchObject({ schema: 1, ok: true, waves: [['schema'], ['auth', 'dashboard'], ['review-auth']] });
});
