/**
 * Writing integrate's trusted-commit record by hand, with plain git plumbing, as an integrate
 * run (or another clone's, fetched) would have left it: `integrate/trusted/<commit>` in the
 * coordination ref. For states an integrate of this test's plan cannot produce.
 */
import { join } from 'node:path';
import type { TestRepo } from '../helpers/repo.js';

export function recordTrustedByHand(repo: TestRepo, commit: string): void {
  const index = join(repo.root, `trusted-index-${Date.now()}`);
  const env = { GIT_INDEX_FILE: index };
  const tip = repo.git(['rev-parse', '--verify', '--quiet', 'refs/notes/parallel'], { allowFail: true }).stdout.trim();
  if (tip) repo.git(['read-tree', tip], { env });
  const blob = repo.git(['hash-object', '-w', '--stdin'], { input: JSON.stringify({ commit, job: 'by-hand', tested: true }) + '\n' }).stdout.trim();
  repo.git(['update-index', '--add', '--cacheinfo', `100644,${blob},integrate/trusted/${commit}`], { env });
  const tree = repo.git(['write-tree'], { env }).stdout.trim();
  const next = repo.git(['commit-tree', tree, ...(tip ? ['-p', tip] : []), '-m', 'integrate: trust (by hand)']).stdout.trim();
  repo.git(['update-ref', 'refs/notes/parallel', next, tip || '0'.repeat(40)]);
}
