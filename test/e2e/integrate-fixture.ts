/**
 * Shared set-up for the integrate and update end-to-end tests: a repository with a committed
 * plan, phases started with the real `parallel start`, work committed in their worktrees with
 * real `git commit`, and `parallel done`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { TestRepo, type RunResult } from '../helpers/repo.js';

export interface IntegrateJson {
  ok: boolean;
  order: string[];
  integrated: string[];
  already_integrated: string[];
  skipped: { id: string; reason: string; detail: string }[];
  tests: { command: string; passed: boolean; seconds: number; log: string } | null;
  head: string | null;
  landed: boolean;
  base_red: boolean;
  error?: { message: string; code: string };
}

export interface PlanPhase {
  id: string;
  task: string;
  owns: string[];
  needs?: string[];
}

/**
 * The first `count` of the phases alpha, beta, gamma, delta: each with task a, b, c or d and its
 * own folder; `needs` adds dependencies by id.
 */
export function letterPhases(count: number, needs: Record<string, string[]> = {}): PlanPhase[] {
  return ['alpha', 'beta', 'gamma', 'delta'].slice(0, count).map((id, i) => ({ id, task: 'abcd'[i]!, owns: [`${id}/`], ...(needs[id] ? { needs: needs[id] } : {}) }));
}

/** A version 1 plan on base `main`; `test` is written single-quoted, `$ROOT` stays for `Fixture`. */
export function planYaml(o: { name: string; test?: string; retries?: number; shared?: string[]; phases: PlanPhase[] }): string {
  const lines = ['version: 1', `name: ${o.name}`, 'base: main'];
  if (o.test !== undefined) lines.push(`test: '${o.test}'`);
  if (o.retries !== undefined) lines.push(`test_retries: ${o.retries}`);
  if (o.shared) lines.push(`shared: [${o.shared.join(', ')}]`);
  lines.push('phases:');
  for (const p of o.phases) {
    lines.push(`  - id: ${p.id}`, `    task: ${p.task}`);
    if (p.needs) lines.push(`    needs: [${p.needs.join(', ')}]`);
    lines.push(`    owns: [${p.owns.join(', ')}]`);
  }
  return lines.join('\n') + '\n';
}

export class Fixture {
  readonly repo: TestRepo;

  constructor(plan: string, files: Record<string, string> = {}) {
    this.repo = new TestRepo();
    this.repo.commit({ 'README.md': 'hello\n', ...files, '.parallel.yml': plan.replaceAll('$ROOT', this.repo.root) }, 'plan');
  }

  get root(): string {
    return this.repo.root;
  }

  worktree(phase: string): string {
    return join(this.repo.root, `repo-${phase}`);
  }

  ok(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
    const r = this.repo.parallel(args, opts);
    if (r.code !== 0) throw new Error(`parallel ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  start(...phases: string[]): void {
    this.ok(['start', ...phases]);
    for (const p of phases) expect(existsSync(this.worktree(p))).toBe(true);
  }

  /**
   * Commit files in a phase's worktree with real `git commit` (the phase's hooks run), or with
   * every hook skipped (`-c core.hooksPath=/dev/null`, like a GUI that ignores hooks).
   */
  work(phase: string, files: Record<string, string>, message = `${phase} work`, skipHooks = false): string {
    const cwd = this.worktree(phase);
    for (const [p, c] of Object.entries(files)) this.repo.write(p, c, cwd);
    this.repo.git(['add', '--', ...Object.keys(files)], { cwd });
    this.repo.git([...(skipHooks ? ['-c', 'core.hooksPath=/dev/null'] : []), 'commit', '-q', '-m', message], { cwd });
    return this.repo.git(['rev-parse', 'HEAD'], { cwd }).stdout.trim();
  }

  done(phase: string): void {
    this.ok(['done', '-m', `${phase} finished`], { cwd: this.worktree(phase) });
  }

  /** Start, commit and finish phases in one go. */
  finish(work: Record<string, Record<string, string>>): void {
    this.start(...Object.keys(work));
    for (const [phase, files] of Object.entries(work)) {
      this.work(phase, files);
      this.done(phase);
    }
  }

  integrate(args: string[] = [], env?: NodeJS.ProcessEnv): { code: number; data: IntegrateJson; stderr: string } {
    return this.repo.json<IntegrateJson>(['integrate', ...args], { env });
  }

  rev(ref: string): string | null {
    const r = this.repo.git(['rev-parse', '--verify', '--quiet', ref], { allowFail: true });
    return r.code === 0 ? r.stdout.trim() : null;
  }

  /** First-parent subjects of a ref, newest first. */
  subjects(ref: string): string[] {
    return this.repo.git(['log', '--first-parent', '--format=%s', ref]).stdout.trim().split('\n');
  }

  /** Whether `ref` contains `path` with `content`. */
  show(ref: string, path: string): string | null {
    const r = this.repo.git(['show', `${ref}:${path}`], { allowFail: true });
    return r.code === 0 ? r.stdout : null;
  }

  cleanup(): void {
    this.repo.cleanup();
  }
}

export function skippedOf(data: IntegrateJson): Record<string, string> {
  return Object.fromEntries(data.skipped.map((s) => [s.id, s.reason]));
}
