/**
 * Writing integrate's trusted-commit record by hand, with plain git plumbing, as an integrate
 * run (or another clone's, fetched) would have left it: `integrate/trusted/<commit>` in the
 * coordination ref. For states an integrate of this test's plan cannot produce.
 */
import { join } from 'node:path';
import type { TestRepo } from '../helpers/repo.js';

export function recordTrustedByHand(repo: TestRepo, commit: string): void {
  // The post-commit hook may still be writing a note in the background: retry the CAS.
  for (let attempt = 0; ; attempt++) {
    if (tryRecord(repo, commit)) return;
    if (attempt >= 50) throw new Error('refs/notes/parallel kept moving');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

function tryRecord(repo: TestRepo, commit: string): boolean {
  const index = join(repo.root, `trusted-index-${process.pid}`);
  const env = { GIT_INDEX_FILE: index };
  const tip = repo.git(['rev-parse', '--verify', '--quiet', 'refs/notes/parallel'], { allowFail: true }).stdout.trim();
  if (tip) repo.git(['read-tree', tip], { env });
  else repo.git(['read-tree', '--empty'], { env });
  const blob = repo.git(['hash-object', '-w', '--stdin'], { input: JSON.stringify({ commit, job: 'by-hand', tested: true }) + '\n' }).stdout.trim();
  repo.git(['update-index', '--add', '--cacheinfo', `100644,${blob},integrate/trusted/${commit}`], { env });
  const tree = repo.git(['write-tree'], { env }).stdout.trim();
  const next = repo.git(['commit-tree', tree, ...(tip ? ['-p', tip] : []), '-m', 'integrate: trust (by hand)']).stdout.trim();
  return repo.git(['update-ref', 'refs/notes/parallel', next, tip || '0'.repeat(40)], { allowFail: true }).code === 0;
}
