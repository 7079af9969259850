/**
 * Which phase branches are integrated into base itself (what `prune` and `remove
 * --delete-branch` go by): the tip is reachable from base, or merging it into base changes
 * nothing (a squash merge, recognised by content).
 */
import { git, gitTry } from '../git/git.js';
import type { PhaseId } from '../core/plan.js';

export function integratedIntoBase(cwd: string, base: string, tips: ReadonlyMap<PhaseId, string>): Map<PhaseId, 'ancestry' | 'content'> {
  const out = new Map<PhaseId, 'ancestry' | 'content'>();
  if (tips.size === 0) return out;
  const merged = new Set(
    git(['for-each-ref', `--merged=refs/heads/${base}`, '--format=%(refname)', 'refs/heads/parallel/'], { cwd }).stdout
      .split('\n').filter(Boolean).map((r) => r.slice('refs/heads/parallel/'.length)),
  );
  const baseTree = gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${base}^{tree}`], { cwd });
  for (const [id, tip] of tips) {
    if (merged.has(id)) {
      out.set(id, 'ancestry');
      continue;
    }
    if (!baseTree) continue;
    const res = git(['merge-tree', '--write-tree', '--no-messages', `refs/heads/${base}`, tip], { cwd, okCodes: [0, 1] });
    if (res.exitCode === 0 && res.stdout.split('\n')[0] === baseTree) out.set(id, 'content');
  }
  return out;
}
