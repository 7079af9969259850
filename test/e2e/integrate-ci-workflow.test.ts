/**
 * `parallel ci init github|gitlab`: the files parse as YAML, hold the triggers, serialisation,
 * permissions and commands the queue needs, and are never overwritten. Then the GitHub workflow
 * is run from the file as a runner would: its `run:` steps in order, in a fresh clone made the
 * way actions/checkout makes it, with `npx parallel` resolved to the built CLI; the GitLab job too
 * (its scripts, in a detached checkout).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI, Host, phasePlan } from './integrate-host-fixture.js';

interface Step { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown> }
interface GithubJob { if?: string; concurrency?: { group: string; 'cancel-in-progress': boolean }; steps: Step[] }
interface Github { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, GithubJob> }

const PACKAGE = { 'package.json': '{\n  "name": "shop",\n  "version": "1.0.0",\n  "private": true\n}\n', 'package-lock.json': '{\n  "name": "shop",\n  "version": "1.0.0",\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {\n    "": {\n      "name": "shop",\n      "version": "1.0.0"\n    }\n  }\n}\n', '.gitignore': 'node_modules/\nparallel-artifacts/\n' };

describe('parallel ci init', () => {
  let h: Host;
  let workflow: Github;
  let shim: string;

  beforeAll(() => {
    h = new Host(phasePlan('shop', ['alpha', 'beta', 'gamma', 'delta'], 'test -f alpha/a.txt'), PACKAGE);
    // `npx parallel` on the runner: the built CLI (as `npm ci` would have installed it).
    shim = join(h.root, 'shim');
    mkdirSync(shim);
    writeFileSync(join(shim, 'npx'), `#!/bin/sh\nif [ "$1" = parallel ]; then shift; exec "${process.execPath}" "${CLI}" "$@"; fi\necho "npx $*: not in this test" >&2\nexit 127\n`);
    chmodSync(join(shim, 'npx'), 0o755);
  });
  afterAll(() => h.cleanup());

  it('github: writes .github/workflows/parallel.yml, plain YAML with what the queue needs', () => {
    const r = h.ok(['ci', 'init', 'github']);
    expect(r.stdout).toContain('Wrote .github/workflows/parallel.yml');
    const text = readFileSync(join(h.coordinator, '.github/workflows/parallel.yml'), 'utf8');
    workflow = parse(text) as Github;
    expect(workflow.on).toMatchObject({ push: { branches: ['parallel/**'] }, schedule: [{ cron: expect.any(String) }] });
    expect('workflow_dispatch' in workflow.on).toBe(true);
    expect(workflow.permissions).toEqual({ contents: 'write' });
    const { verify, integrate } = workflow.jobs;
    expect(integrate!.concurrency).toEqual({ group: 'parallel-integrate', 'cancel-in-progress': false });
    for (const job of [verify!, integrate!]) {
      expect(job.steps[0]).toMatchObject({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
      expect(job.steps.some((s) => s.uses?.startsWith('actions/setup-node@'))).toBe(true);
      expect(job.steps.some((s) => s.run === 'npm ci')).toBe(true);
    }
    expect(integrate!.steps[0]!.with!.ref).toBe('main');
    const runs = integrate!.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('npx parallel integrate --land --push');
    expect(runs).toMatch(/git config user\.name/);
    expect(runs).toMatch(/-eq 4/);
    expect(integrate!.steps.at(-1)).toMatchObject({ uses: 'actions/upload-artifact@v4', if: 'always()', with: { path: 'parallel-artifacts/' } });
    expect(verify!.steps.map((s) => s.run ?? '').join('\n')).toContain('npx parallel verify');
    expect(text).toMatch(/# Branch protection:/);
  });

  it('never overwrites a file, and -o writes elsewhere', () => {
    const file = join(h.coordinator, '.github/workflows/parallel.yml');
    const before = readFileSync(file, 'utf8');
    const again = h.p(['ci', 'init', 'github']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^parallel: \.github\/workflows\/parallel\.yml already exists; ci init never overwrites a file\./);
    expect(readFileSync(file, 'utf8')).toBe(before);
    const other = h.ok(['ci', 'init', 'github', '-o', 'ci/queue.yml']);
    expect(other.stdout).toContain('Wrote ci/queue.yml');
    expect(readFileSync(join(h.coordinator, 'ci/queue.yml'), 'utf8')).toBe(before);
    const bad = h.p(['ci', 'init', 'jenkins']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown CI "jenkins"/);
  });

  it('gitlab: writes a file to include, says the line to add, serialised by resource_group', () => {
    const r = h.ok(['ci', 'init', 'gitlab']);
    expect(r.stdout).toContain('include:\n  - local: .gitlab/parallel.yml');
    const text = readFileSync(join(h.coordinator, '.gitlab/parallel.yml'), 'utf8');
    const doc = parse(text) as Record<string, { resource_group?: string; script?: string[]; after_script?: string[]; rules?: { if: string }[]; variables?: Record<string, unknown>; before_script?: string[]; artifacts?: { when: string; paths: string[] } }>;
    expect(doc['.parallel-node']!.variables).toMatchObject({ GIT_DEPTH: 0 });
    expect(doc['.parallel-node']!.before_script).toContain('npm ci');
    expect(doc['parallel-integrate']!.resource_group).toBe('parallel-integrate');
    expect(doc['parallel-integrate']!.script!.join('\n')).toContain('npx parallel integrate --land --push');
    expect(doc['parallel-integrate']!.rules!.map((x) => x.if).join(' ')).toMatch(/schedule/);
    expect(doc['parallel-integrate']!.artifacts).toMatchObject({ when: 'always', paths: ['parallel-artifacts/'] });
    expect(doc['parallel-verify']!.script!.join('\n')).toContain('npx parallel verify');
    expect(h.p(['ci', 'init', 'gitlab']).code).toBe(1);
  });

  /** A clone the way actions/checkout@v4 makes one with fetch-depth 0 and `ref`. */
  function checkout(name: string, ref: string): string {
    const dir = join(h.root, 'runners', name);
    mkdirSync(dir, { recursive: true });
    const g = (args: string[]) => h.repo.git(args, { cwd: dir });
    g(['init', '-q']);
    g(['remote', 'add', 'origin', h.url]);
    g(['fetch', '-q', '--no-tags', '--prune', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
    g(['checkout', '-q', '--force', '-B', ref, `refs/remotes/origin/${ref}`]);
    return dir;
  }

  /** Run a job's `run:` steps in order (bash -e, GitHub's default shell); stops at the first failure. */
  function runJob(job: GithubJob, cwd: string, env: NodeJS.ProcessEnv): { step: string; code: number; out: string }[] {
    const done: { step: string; code: number; out: string }[] = [];
    for (const step of job.steps) {
      if (!step.run) continue;
      if (done.some((d) => d.code !== 0) && step.if !== 'always()') continue;
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
        cwd,
        encoding: 'utf8',
        env: { ...h.repo.env, PATH: `${shim}:${process.env.PATH}`, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_offline: 'true', CI: 'true', ...env },
      });
      done.push({ step: step.name ?? step.run.split('\n')[0]!, code: r.status ?? 128, out: `${r.stdout}${r.stderr}` });
    }
    return done;
  }

  it('the workflow, run from the file in fresh clones: verify passes a phase, integrate lands it on the host', () => {
    h.git(['add', '.github/workflows/parallel.yml']);
    h.git(['commit', '-q', '-m', 'CI: the parallel workflow']);
    h.git(['push', '-q', 'origin', 'main']);
    const laptop = h.sessionClone('laptop');
    const tip = h.finishOn(laptop, 'alpha', { 'alpha/a.txt': 'a\n' });
    const committed = parse(h.hostGit(['show', 'main:.github/workflows/parallel.yml'])) as Github;

    const verifyDir = checkout('verify', 'parallel/alpha');
    const verified = runJob(committed.jobs.verify!, verifyDir, { GITHUB_REF_NAME: 'parallel/alpha', GITHUB_EVENT_NAME: 'push' });
    expect(verified.map((s) => s.code), JSON.stringify(verified, null, 1)).toEqual(verified.map(() => 0));
    expect(verified.at(-1)!.out).toContain('alpha: ok (1 commit checked)');

    const runner = checkout('integrate', 'main');
    const steps = runJob(committed.jobs.integrate!, runner, { GITHUB_REF_NAME: 'main', GITHUB_EVENT_NAME: 'workflow_dispatch' });
    expect(steps.map((s) => s.code), JSON.stringify(steps, null, 1)).toEqual(steps.map(() => 0));
    expect(steps.map((s) => s.step)).toEqual(['npm ci', 'Base branch', 'Git identity for merge commits', 'Integrate, test and land', 'Collect the test logs and the report']);
    expect(steps[3]!.out).toMatch(/Pushed to "origin": parallel\/integration \(new\) -> [0-9a-f]+, main [0-9a-f]+ -> [0-9a-f]+/);
    const main = h.hostRev('refs/heads/main')!;
    expect(h.hostRev('refs/heads/parallel/integration')).toBe(main);
    expect(h.hostGit(['merge-base', '--is-ancestor', tip, main])).toBe('');
    expect(h.hostGit(['notes', '--ref=parallel', 'show', main])).toMatch(/result: passed/);
    // The artifact folder holds the test log (and the report page where `parallel report` exists).
    const logs = join(runner, 'parallel-artifacts/logs');
    expect(existsSync(logs) && readdirSync(logs).some((f) => f.endsWith('.log'))).toBe(true);

    // A second run with nothing to do leaves the job green.
    const idle = runJob(committed.jobs.integrate!, checkout('integrate-2', 'main'), {});
    expect(idle.map((s) => s.code)).toEqual(idle.map(() => 0));
    expect(idle[3]!.out).toMatch(/Nothing to push/);
    // Exit 4 (here: another integrate holds this clone's lock, a live process) is "try again", not a failure.
    const busy = checkout('integrate-3', 'main');
    mkdirSync(join(busy, '.git/parallel/integrate'), { recursive: true });
    writeFileSync(join(busy, '.git/parallel/integrate/lock'), JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'held', since: new Date().toISOString(), command: 'integrate' }));
    const held = runJob(committed.jobs.integrate!, busy, {});
    expect(held.map((s) => s.code), JSON.stringify(held, null, 1)).toEqual(held.map(() => 0));
    expect(held[3]!.out).toMatch(/exited? 4|another integrate is running/);
    expect(held[3]!.out).toContain('the next run picks it up');
  });

  it('the GitLab job, run from the file as a runner would (detached checkout, one shell per script), lands a phase', () => {
    const laptop = h.sessionClone('laptop-gl');
    const tip = h.finishOn(laptop, 'beta', { 'beta/b.txt': 'b\n' });
    const doc = parse(readFileSync(join(h.coordinator, '.gitlab/parallel.yml'), 'utf8')) as Record<string, { before_script?: string[]; script?: string[]; after_script?: string[] }>;
    const job = doc['parallel-integrate']!;
    // GitLab's checkout: the pipeline's commit, detached, every branch as origin/* (GIT_DEPTH 0).
    const dir = join(h.root, 'runners', 'gitlab');
    mkdirSync(dir, { recursive: true });
    for (const args of [['init', '-q'], ['remote', 'add', 'origin', h.url], ['fetch', '-q', '--no-tags', 'origin', '+refs/heads/*:refs/remotes/origin/*'], ['checkout', '-q', '--detach', 'refs/remotes/origin/main']]) h.repo.git(args, { cwd: dir });
    const env = { ...h.repo.env, PATH: `${shim}:${process.env.PATH}`, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_offline: 'true', CI: 'true', CI_PIPELINE_SOURCE: 'web', CI_COMMIT_BRANCH: 'main' };
    const sh = (lines: string[]) => spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', lines.join('\n')], { cwd: dir, encoding: 'utf8', env });
    const main = sh([...doc['.parallel-node']!.before_script!, ...job.script!]);
    expect(main.status, `${main.stdout}${main.stderr}`).toBe(0);
    expect(main.stdout).toMatch(/Pushed to "origin": .*main [0-9a-f]+ -> [0-9a-f]+/);
    const after = sh(job.after_script!);
    expect(after.status, after.stderr).toBe(0);
    expect(readdirSync(join(dir, 'parallel-artifacts/logs')).some((f) => f.endsWith('.log'))).toBe(true);
    expect(h.hostGit(['merge-base', '--is-ancestor', tip, 'refs/heads/main'])).toBe('');
    h.expectOnlyTested(h.hostGit(['rev-list', '--max-parents=0', 'refs/heads/main']), 'after the GitLab job');
  });

  it('verify from the file judges a phase that picked up unlanded merges (parallel update) on its own commits only', () => {
    // gamma is integrated on the host's parallel/integration but not landed on main.
    h.finishOn(h.sessionClone('laptop-gamma'), 'gamma', { 'gamma/g.txt': 'g\n' });
    const queued = h.pushJson(h.runnerClone('no-land'), []);
    expect(queued.code, queued.stderr).toBe(0);
    expect(h.hostRev('refs/heads/parallel/integration')).not.toBe(h.hostRev('refs/heads/main'));
    // delta takes the integration branch in (sync follows the host's, update merges it), then works.
    const clone = h.sessionClone('laptop-delta');
    h.ok(['start', 'delta'], clone);
    const wt = `${clone}-delta`;
    h.ok(['sync'], clone);
    h.ok(['update'], wt);
    h.repo.write('delta/d.txt', 'd\n', wt);
    h.repo.git(['add', '--', 'delta/d.txt'], { cwd: wt });
    h.repo.git(['commit', '-q', '-m', 'delta work'], { cwd: wt });
    h.ok(['done', '-m', 'delta finished'], wt);
    h.ok(['sync'], clone);
    const committed = parse(h.hostGit(['show', 'main:.github/workflows/parallel.yml'])) as Github;
    const verified = runJob(committed.jobs.verify!, checkout('verify-delta', 'parallel/delta'), { GITHUB_REF_NAME: 'parallel/delta', GITHUB_EVENT_NAME: 'push' });
    expect(verified.map((s) => s.code), JSON.stringify(verified, null, 1)).toEqual(verified.map(() => 0));
    expect(verified.at(-1)!.out).toContain('delta: ok (1 commit checked)');
  });
});
