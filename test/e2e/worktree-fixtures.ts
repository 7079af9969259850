/**
 * Shared set-up for the worktree commands' end-to-end tests: a repository with a plan committed
 * on main, and small readers of what a user would look at (worktree list, markers, refs).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo, CLI } from '../helpers/repo.js';

export { TestRepo, CLI };

export function planRepo(plan: string, opts: { name?: string; files?: Record<string, string>; recordBase?: boolean } = {}): TestRepo {
  const repo = new TestRepo(opts.name);
  repo.commit({ '.parallel.yml': plan, 'README.md': 'hello\n', ...opts.files }, 'plan');
  if (opts.recordBase !== false) repo.git(['config', 'parallel.base', 'main']);
  return repo;
}

/**
 * The start of a plan named app: phase schema (owns src/db/) and auth (needs schema, owns
 * src/auth/). Append further phase entries (indented like `  - id: ...`) to it.
 */
export const SCHEMA_AUTH_PLAN = `version: 1
name: app
phases:
  - id: schema
    task: Schema
    owns: [src/db/]
  - id: auth
    needs: [schema]
    task: Auth
    owns: [src/auth/]
`;

/** The default worktree folder of a phase: `../<repo folder>-<phase>`. */
export function wtPath(repo: TestRepo, phase: string): string {
  return join(repo.root, `${repo.dir.slice(repo.root.length + 1)}-${phase}`);
}

/** Worktree path -> branch ref (or 'detached'), from `git worktree list --porcelain`. */
export function worktreeList(repo: TestRepo): Map<string, string> {
  const out = new Map<string, string>();
  let cur = '';
  for (const line of repo.git(['worktree', 'list', '--porcelain']).stdout.split('\n')) {
    if (line.startsWith('worktree ')) cur = line.slice(9);
    else if (line.startsWith('branch ')) out.set(cur, line.slice(7));
    else if (line === 'detached') out.set(cur, 'detached');
  }
  return out;
}

export function marker(repo: TestRepo, worktree: string): Record<string, string> {
  const gitDir = repo.git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: worktree }).stdout.trim();
  const fields: Record<string, string> = {};
  for (const line of readFileSync(join(gitDir, 'parallel-phase'), 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}

export function branchExists(repo: TestRepo, branch: string): boolean {
  return repo.git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { allowFail: true }).code === 0;
}

/** Branches, tags and saved work (not the notes ref: a commit's note may land just after the commit). */
export function refs(repo: TestRepo): string {
  return repo.git(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/', 'refs/tags/', 'refs/parallel/']).stdout;
}

export function statusShort(repo: TestRepo, cwd: string): string {
  return repo.git(['status', '--porcelain', '--untracked-files=all'], { cwd }).stdout;
}

export { existsSync, readFileSync, join };
