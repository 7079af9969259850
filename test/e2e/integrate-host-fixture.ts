/**
 * Set-up for the tests of sessions on several machines and the merge queue on CI: a bare
 * repository as the git host, a coordinator clone that committed the plan, session clones
 * (`parallel start`, real `git commit`, `parallel done`, `parallel sync`), and fresh runner clones
 * made the way CI makes them (detached HEAD, no local base branch, shallow).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CLI, TestRepo, noteWritten, type RunResult } from '../helpers/repo.js';

export { CLI };

export interface PushJson {
  ok: boolean;
  integrated: string[];
  landed: boolean;
  head: string | null;
  push?: { remote: string; result: 'pushed' | 'moved' | 'none'; refs: { ref: string; from: string | null; to: string }[]; store_pushed: boolean; base_moved?: boolean; message?: string };
  error?: { message: string; code: string };
}

export function phasePlan(name: string, ids: string[], test?: string): string {
  const lines = ['version: 1', `name: ${name}`, 'base: main'];
  if (test !== undefined) lines.push(`test: '${test}'`, 'test_retries: 0');
  lines.push('phases:');
  for (const id of ids) lines.push(`  - id: ${id}`, `    task: work on ${id}`, `    owns: [${id}/]`);
  return lines.join('\n') + '\n';
}

export class Host {
  readonly repo: TestRepo;
  /** Runner clone -> its identity (the sandbox's GIT_AUTHOR_* would otherwise make every runner "Test"). */
  readonly identities = new Map<string, string>();
  /** The bare repository every clone pushes to and fetches from. */
  readonly url: string;

  constructor(plan: string, files: Record<string, string> = {}) {
    this.repo = new TestRepo('coordinator');
    this.url = join(this.repo.root, 'host.git');
    this.repo.commit({ 'README.md': 'hello\n', ...files, '.parallel.yml': plan.replaceAll('$ROOT', this.repo.root) }, 'plan');
    this.repo.git(['init', '-q', '--bare', '-b', 'main', this.url]);
    this.repo.git(['remote', 'add', 'origin', this.url]);
    this.repo.git(['push', '-q', 'origin', 'main']);
    this.ok(['init']);
  }

  get root(): string {
    return this.repo.root;
  }

  /** The coordinator's clone. */
  get coordinator(): string {
    return this.repo.dir;
  }

  p(args: string[], cwd = this.repo.dir, env?: NodeJS.ProcessEnv): RunResult {
    return this.repo.parallel(args, { cwd, env });
  }

  ok(args: string[], cwd = this.repo.dir, env?: NodeJS.ProcessEnv): RunResult {
    const r = this.p(args, cwd, env);
    if (r.code !== 0) throw new Error(`parallel ${args.join(' ')} in ${cwd} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  git(args: string[], cwd = this.repo.dir): string {
    return this.repo.git(args, { cwd }).stdout.trim();
  }

  /** A ref on the host, or null. */
  hostRev(ref: string): string | null {
    const r = this.repo.git(['--git-dir', this.url, 'rev-parse', '--verify', '--quiet', ref], { allowFail: true });
    return r.code === 0 ? r.stdout.trim() : null;
  }

  hostGit(args: string[]): string {
    return this.repo.git(['--git-dir', this.url, ...args]).stdout.trim();
  }

  /** A developer's (or cloud agent's) clone of the host. */
  sessionClone(name: string): string {
    const dir = join(this.root, name);
    this.repo.git(['clone', '-q', this.url, dir]);
    return dir;
  }

  /**
   * A fresh CI checkout: only `depth` commits of the pipeline's commit, checked out detached,
   * no local branch at all (GitLab's checkout; GitHub's differs only by a local branch).
   */
  runnerClone(name: string, opts: { depth?: number; identity?: string } = {}): string {
    const dir = join(this.root, 'runners', name);
    mkdirSync(dir, { recursive: true });
    const g = (args: string[]) => this.repo.git(args, { cwd: dir });
    g(['init', '-q']);
    g(['remote', 'add', 'origin', `file://${this.url}`]);
    g(['fetch', '-q', '--no-tags', `--depth=${opts.depth ?? 1}`, 'origin', '+refs/heads/main:refs/remotes/origin/main']);
    g(['checkout', '-q', '--detach', 'refs/remotes/origin/main']);
    g(['config', 'parallel.base', 'main']);
    if (opts.identity) this.identities.set(dir, opts.identity);
    return dir;
  }

  /** In a session clone: start the phase, commit its files with real `git commit`, done, sync. */
  finishOn(clone: string, phase: string, files: Record<string, string>, sync = true): string {
    this.ok(['start', phase], clone);
    const wt = `${clone}-${phase}`;
    for (const [p, c] of Object.entries(files)) this.repo.write(p, c, wt);
    this.repo.git(['add', '--', ...Object.keys(files)], { cwd: wt });
    this.repo.git(['commit', '-q', '-m', `${phase} work`], { cwd: wt });
    const tip = this.repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
    // The commit's event is written in the background: let it land before done and sync, so
    // what the clone has recorded is on the host after the sync.
    noteWritten(this.repo, tip, { cwd: wt });
    this.ok(['done', '-m', `${phase} finished`], wt);
    if (sync) this.ok(['sync'], clone);
    return tip;
  }

  /** The environment a runner's commands get: its own identity for merge commits. */
  envFor(cwd: string): NodeJS.ProcessEnv {
    const who = this.identities.get(cwd);
    return who ? { GIT_AUTHOR_NAME: who, GIT_COMMITTER_NAME: who, GIT_AUTHOR_EMAIL: `${who}@ci.invalid`, GIT_COMMITTER_EMAIL: `${who}@ci.invalid` } : {};
  }

  pushJson(cwd: string, args: string[] = ['--land'], env?: NodeJS.ProcessEnv): { code: number; data: PushJson; stderr: string } {
    return this.repo.json<PushJson>(['integrate', '--push', ...args], { cwd, env: { ...this.envFor(cwd), ...env } });
  }

  /** Event ids on the host's coordination ref (a fresh clone that fetches it reads them). */
  hostEventIds(): string[] {
    const dir = join(this.root, `reader-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`);
    this.repo.git(['clone', '-q', this.url, dir]);
    this.repo.git(['fetch', '-q', 'origin', 'refs/notes/parallel:refs/notes/parallel'], { cwd: dir });
    const log = this.repo.json<{ events: { id: string }[] }>(['log'], { cwd: dir });
    return log.data.events.map((e) => e.id);
  }

  /**
   * The host's base and integration branch only ever point at the plan commit or a merge that
   * integrate recorded as tested (its note names it as the head whose tests passed), base never
   * ahead of the integration branch.
   */
  expectOnlyTested(planCommit: string, what: string): void {
    const integration = this.hostRev('refs/heads/parallel/integration');
    const main = this.hostRev('refs/heads/main')!;
    for (const [name, tip] of [['main', main], ['parallel/integration', integration]] as const) {
      if (!tip || tip === planCommit) continue;
      const note = this.repo.git(['--git-dir', this.url, 'notes', '--ref=parallel', 'show', tip], { allowFail: true }).stdout;
      expect(note, `${what}: host ${name} at ${tip.slice(0, 12)} has no tested note`).toContain(`head: ${tip}`);
      expect(note, `${what}: host ${name}`).toMatch(/^result: passed/m);
    }
    if (integration) {
      const ahead = this.repo.git(['--git-dir', this.url, 'merge-base', '--is-ancestor', main, integration], { allowFail: true }).code;
      expect(ahead, `${what}: host main (${main.slice(0, 12)}) is not in parallel/integration (${integration.slice(0, 12)})`).toBe(0);
    } else {
      expect(main, `${what}: host main moved with no integration branch`).toBe(planCommit);
    }
  }

  cleanup(): void {
    this.repo.cleanup();
  }
}

/** Run the built CLI without waiting (runners racing), in its own process group. */
export function spawnParallel(host: Host, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { pid: number; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...host.repo.env, ...host.envFor(cwd), ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<RunResult>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr })));
  return { pid: child.pid!, done };
}
