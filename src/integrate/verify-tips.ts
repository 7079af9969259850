/**
 * Ownership of each phase's own commits at its PINNED tip (what integrate is about to merge,
 * whatever the branch does meanwhile): `git rev-list <tip> --not <base> <integration>`, every
 * path each commit changes (a merge commit: what it changes beyond a clean merge of its parents)
 * judged with the plan's ownership rules.
 */
import { git, gitAsync, splitZ } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import type { Plan } from '../core/plan.js';
import type { Violation } from './plan-steps.js';

/** Paths changed by each non-merge commit (one `diff-tree --stdin` call). */
function changedPaths(cwd: string, commits: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(commits.map((c) => [c, []]));
  if (commits.length === 0) return out;
  const res = git(['diff-tree', '--stdin', '-r', '--no-renames', '-z', '--name-only', '--root'], { cwd, input: commits.join('\n') + '\n' });
  let current: string[] | undefined;
  for (const entry of splitZ(res.stdout)) {
    const next = out.get(entry);
    if (next && /^[0-9a-f]{40,64}$/.test(entry)) current = next;
    else current?.push(entry);
  }
  return out;
}

/** What a merge commit changes beyond the clean merge of its first two parents. */
async function beyondCleanMerge(cwd: string, merge: string, parents: string[]): Promise<string[]> {
  const clean = await gitAsync(['merge-tree', '--write-tree', '--no-messages', parents[0]!, parents[1]!], { cwd, okCodes: [0, 1] });
  const tree = clean.stdout.split('\n')[0]!;
  const diff = await gitAsync(['diff-tree', '-r', '--no-renames', '-z', '--name-only', tree, `${merge}^{tree}`], { cwd });
  return splitZ(diff.stdout);
}

export async function violationsAt(
  ctx: RepoContext,
  plan: Plan,
  base: string,
  integration: string | null,
  tips: ReadonlyMap<string, string>,
): Promise<Map<string, Violation[]>> {
  const { buildOwnership } = await import('../core/ownership.js');
  const model = buildOwnership(plan);
  const cwd = ctx.toplevel;
  const result = new Map<string, Violation[]>();
  const not = [`refs/heads/${base}`, ...(integration ? [integration] : [])];
  await Promise.all([...tips].map(async ([id, tip]) => {
    const list = await gitAsync(['rev-list', '--parents', tip, '--not', ...not], { cwd });
    const commits = list.stdout.split('\n').filter(Boolean).map((l) => l.split(' '));
    const plain = commits.filter((c) => c.length <= 2).map((c) => c[0]!);
    const paths = changedPaths(cwd, plain);
    for (const c of commits.filter((x) => x.length > 2)) paths.set(c[0]!, await beyondCleanMerge(cwd, c[0]!, c.slice(1)));
    const vs: Violation[] = [];
    // Oldest first reads best in a report.
    for (const [commit] of [...commits].reverse()) {
      for (const path of paths.get(commit!) ?? []) {
        if (!model.mayChange(id, path)) vs.push({ commit: commit!, path, owner: model.describeOwner(path) });
      }
    }
    result.set(id, vs);
  }));
  return result;
}
