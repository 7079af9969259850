/**
 * Repositories for the ownership-enforcement tests: a plan with folder phases (the shell `case`
 * fast path), a glob phase (git pathspecs) and shared paths; phase worktrees made by
 * `parallel start`, or by hand (git worktree add + marker) for what start does not make.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFUSED_COMMIT, TestRepo, type RunResult } from '../helpers/repo.js';

export { noteWritten } from '../helpers/repo.js';

export const HOOKS_PLAN = `version: 1
name: hooks
base: main
shared: [package-lock.json, docs/shared/]
phases:
  - id: auth
    task: Login
    owns: [src/auth/, test/auth/, "src/café/"]
    exclude: [src/auth/generated/**]
  - id: ui
    task: The UI
    owns: [src/ui/]
  - id: glob
    task: Glob-owned files
    owns: ["lib/*.ts", "lib/**/*.test.ts"]
    exclude: ["lib/secret*.ts"]
  - id: deep
    task: A glob only git pathspecs decide in the hook
    owns: ["deep/**/x/**"]
  - id: review-ui
    reviews: ui
    criteria: [Looks right]
`;

export const BASE_FILES: Record<string, string> = {
  '.parallel.yml': HOOKS_PLAN,
  'README.md': 'readme\n',
  'package-lock.json': '{\n  "v": 1\n}\n',
  'src/auth/a.ts': 'a\n',
  'src/auth/generated/g.ts': 'g\n',
  'src/ui/button.ts': 'button\n',
  'lib/x.ts': 'x\n',
  'lib/deep/y.ts': 'y\n',
};

export interface HookRepo {
  repo: TestRepo;
  /** Worktree path of a started phase. */
  wt(phase: string): string;
}

/** A repository with the plan committed on main, `parallel init` run, and the given phases started. */
export function hookRepo(phases: string[] = [], plan = HOOKS_PLAN, files: Record<string, string> = {}): HookRepo {
  const repo = new TestRepo();
  repo.commit({ ...BASE_FILES, '.parallel.yml': plan, ...files }, 'base');
  const init = repo.parallel(['init']);
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  for (const p of phases) {
    const r = repo.parallel(['start', p]);
    if (r.code !== 0) throw new Error(`start ${p} failed: ${r.stderr}`);
  }
  return { repo, wt: (phase) => join(repo.root, `repo-${phase}`) };
}

/** The set-up most hook test files share: phases auth and ui started, and their worktree paths. */
export function authAndUi(): { h: HookRepo; auth: string; ui: string } {
  const h = hookRepo(['auth', 'ui']);
  return { h, auth: h.wt('auth'), ui: h.wt('ui') };
}

/** A phase worktree made by hand (as an older start, or a reviewer's detached one), then repaired by `parallel init`. */
export function manualPhase(repo: TestRepo, phase: string, opts: { reviewer?: boolean; detach?: boolean } = {}): string {
  const path = join(repo.root, `manual-${phase}`);
  if (opts.detach) repo.git(['worktree', 'add', '-q', '--detach', path, 'main']);
  else repo.git(['worktree', 'add', '-q', '-b', `parallel/${phase}`, path, 'main']);
  const gitDir = repo.git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: path }).stdout.trim();
  writeFileSync(join(gitDir, 'parallel-phase'), `phase=${phase}\nsession=${phase}\nworkspace=hooks\n${opts.reviewer ? 'reviewer=1\n' : ''}`);
  const r = repo.parallel(['init']);
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  return path;
}

/** Write files (creating folders) in a worktree and stage them. */
export function stage(repo: TestRepo, cwd: string, files: Record<string, string>): void {
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(cwd, p, '..'), { recursive: true });
    writeFileSync(join(cwd, p), c);
  }
  repo.git(['add', '--', ...Object.keys(files)], { cwd });
}

/**
 * How a test commit is made. With no pre-commit of the repository's own, parallel installs none:
 * every commit is judged as it moves the phase's branch (reference-transaction), with or without
 * an editor (`-e`; the editor here is `true`), and git reports a refusal there as fatal, 128.
 * Where the repository has a pre-commit (here an empty one in `<common>/hooks`), parallel's chains
 * it: a commit that opens no editor is still judged as it moves the branch (128); one that opens
 * an editor is judged in pre-commit, before the editor opens (exit 1).
 */
export interface CommitMode {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** git's exit code for a commit the hooks refuse. */
  refused: number;
  /** The hook that judges an ordinary commit on the phase's branch. */
  judge: 'pre-commit' | 'reference-transaction';
  /** The repository has a pre-commit of its own, which parallel's chains. */
  chained: boolean;
}
const WITH_EDITOR = { args: ['-e'], env: { GIT_EDITOR: 'true' } };
export const NO_EDITOR: CommitMode = { name: 'no editor: judged as the commit moves the branch', args: [], env: {}, refused: REFUSED_COMMIT, judge: 'reference-transaction', chained: false };
export const EDITOR: CommitMode = { name: 'an editor opens: judged as the commit moves the branch', ...WITH_EDITOR, refused: REFUSED_COMMIT, judge: 'reference-transaction', chained: false };
export const CHAINED_NO_EDITOR: CommitMode = { name: "the repository's pre-commit chained, no editor: judged as the commit moves the branch", args: [], env: {}, refused: REFUSED_COMMIT, judge: 'reference-transaction', chained: true };
export const CHAINED_EDITOR: CommitMode = { name: "the repository's pre-commit chained, an editor opens: judged in pre-commit", ...WITH_EDITOR, refused: 1, judge: 'pre-commit', chained: true };
export const COMMIT_MODES = [NO_EDITOR, EDITOR, CHAINED_NO_EDITOR, CHAINED_EDITOR] as const;

/** A short name of mode `m`, for files a test makes once per mode. */
export function modeSlug(m: CommitMode): string {
  return `mode${COMMIT_MODES.indexOf(m as (typeof COMMIT_MODES)[number])}`;
}

let mode: CommitMode = NO_EDITOR;
/** Make `commit` use `m` (call it in a describe block's beforeAll; afterAll restores NO_EDITOR). */
export function useCommitMode(m: CommitMode): void {
  mode = m;
}
/** git's exit code for a refused commit in the current mode. */
export function refused(): number {
  return mode.refused;
}
export function commitMode(): CommitMode {
  return mode;
}

const REPO_PRE_COMMIT = '#!/bin/sh\n# the repository\'s own pre-commit (hooks-fixture)\nexit 0\n';

/**
 * Give the repository of `cwd` a pre-commit of its own (it allows everything), chained by
 * `parallel init`, or (`on` false) take that one away again, and parallel's chaining file with it.
 */
export function repoPreCommit(repo: TestRepo, cwd: string, on: boolean): void {
  const common = repo.git(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd }).stdout.trim();
  const ours = join(common, 'parallel', 'hooks', 'pre-commit');
  const theirs = join(common, 'hooks', 'pre-commit');
  if (existsSync(ours) === on) return;
  if (on) {
    mkdirSync(join(common, 'hooks'), { recursive: true });
    writeFileSync(theirs, REPO_PRE_COMMIT, { mode: 0o755 });
  } else if (existsSync(theirs) && readFileSync(theirs, 'utf8') === REPO_PRE_COMMIT) {
    rmSync(theirs);
  } else {
    return;
  }
  const r = repo.parallel(['init']);
  if (r.code !== 0 || existsSync(ours) !== on) throw new Error(`init did not ${on ? 'chain' : 'drop'} the pre-commit: ${r.stderr}`);
}

/** `git commit` as a user runs it (in the current mode), never throwing. */
export function commit(repo: TestRepo, cwd: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): RunResult {
  repoPreCommit(repo, cwd, mode.chained);
  return repo.git(['commit', '-q', '-m', 'change', ...mode.args, ...args], { cwd, allowFail: true, env: { ...mode.env, ...env } });
}

/** What the hooks said on stderr: without PARALLEL_DEBUG's lines and git's own closing "fatal:" line. */
export function hookSays(stderr: string): string {
  return stderr.split('\n').filter((l) => !l.startsWith('parallel: [') && l !== 'fatal: ref updates aborted by hook').join('\n');
}

export function head(repo: TestRepo, cwd: string): string {
  return repo.git(['rev-parse', 'HEAD'], { cwd }).stdout.trim();
}

/** Back to a clean worktree at HEAD (after a refused commit left things staged). */
export function clean(repo: TestRepo, cwd: string): void {
  repo.git(['reset', '-q', '--hard'], { cwd });
  repo.git(['clean', '-fdq', '-e', '.parallel'], { cwd });
}

/** Names of staged paths (the refusal must leave them staged). */
export function staged(repo: TestRepo, cwd: string): string[] {
  return repo.git(['diff', '--cached', '--name-only', '-z'], { cwd }).stdout.split('\0').filter(Boolean);
}

/** Remove a test repository (once the post-commit hook's background writers are done). */
export async function removeRepo(repo: TestRepo): Promise<void> {
  repo.cleanup();
}
