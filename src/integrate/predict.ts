/**
 * `--dry-run`: the merges integrate would make, simulated in the object store with
 * `git merge-tree --write-tree` (no worktree, index or ref touched), one after another in the
 * real order, so a conflict with what merges earlier is predicted exactly as the run would meet it.
 */
import { git, splitZ } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH, type Phase } from '../core/plan.js';
import { dropWithDependents, mergeMessage, type MergeStep, type Skip } from './plan-steps.js';
import { startingPoint } from './job.js';
import { conflictFiles } from '../git/conflicts.js';
import { conflictPartner, earlierMerges, type PhaseMerge } from './blame.js';

const ENV = {
  GIT_AUTHOR_NAME: 'parallel', GIT_AUTHOR_EMAIL: 'parallel@localhost', GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_NAME: 'parallel', GIT_COMMITTER_EMAIL: 'parallel@localhost', GIT_COMMITTER_DATE: '1700000000 +0000',
};

function simulate(cwd: string, a: string, b: string, message: string): { commit?: string; files?: string[] } {
  const res = git(['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', a, b], { cwd, okCodes: [0, 1] });
  if (res.exitCode === 1) return { files: conflictFiles(res.stdout, a, b) };
  const [tree] = splitZ(res.stdout);
  const commit = git(['commit-tree', tree!, '-p', a, '-p', b, '-m', message], { cwd, env: ENV }).stdout.trim();
  return { commit };
}

export interface Prediction {
  merge: MergeStep[];
  skipped: Skip[];
  note?: string;
  /** The real run would stop with an error (exit 1) even with nothing queued. */
  refusal?: boolean;
}

export function predictMerges(ctx: RepoContext, phases: readonly Phase[], base: string, baseOid: string, integration: string | null, queue: readonly MergeStep[]): Prediction {
  const cwd = ctx.toplevel;
  const { from, bringBase } = startingPoint(cwd, base, baseOid, integration);
  let current = from;
  let note: string | undefined;
  if (bringBase) {
    const s = simulate(cwd, from, baseOid, 'base');
    if (!s.commit) {
      // The run stops before merging anything: every queued phase is held up by that conflict.
      const detail = `would not be merged: ${INTEGRATION_BRANCH} and ${base} have diverged and conflict in ${s.files!.join(', ')}`;
      return {
        merge: [],
        skipped: queue.map((q) => ({ id: q.id, reason: 'conflict' as const, detail, fails: true })),
        note: `${INTEGRATION_BRANCH} and ${base} have diverged and conflict in ${s.files!.join(', ')}: integrate would stop before merging any phase. Start the branch over from ${base} ("git branch -f ${INTEGRATION_BRANCH} ${base}" in the main worktree): its phases merge again, and one that conflicts with ${base} gets "parallel update" as its fix.`,
        refusal: true,
      };
    }
    note = `${INTEGRATION_BRANCH} and ${base} have diverged: integrate would merge ${base} into it first (and test that).`;
    current = s.commit;
  }
  let todo = [...queue];
  const merged: { step: MergeStep; commit: string }[] = [];
  const skipped: Skip[] = [];
  let earlier: PhaseMerge[] | undefined;
  while (todo.length) {
    const step = todo[0]!;
    const s = simulate(cwd, current, step.tip, mergeMessage(step.id, step.session));
    if (s.commit) {
      merged.push({ step, commit: s.commit });
      current = s.commit;
      todo.shift();
      continue;
    }
    earlier ??= earlierMerges(cwd, baseOid, from);
    const partner = conflictPartner(cwd, [...earlier, ...merged.map((m) => ({ id: m.step.id, commit: m.commit }))], s.files!, base);
    const detail = `would conflict with ${partner} in ${s.files!.slice(0, 5).join(', ')}${s.files!.length > 5 ? ` and ${s.files!.length - 5} more` : ''}; run "parallel update" in its worktree (or "parallel update --phase ${step.id}"), resolve and commit`;
    const d = dropWithDependents(phases, todo, step.id, 'conflict', detail);
    todo = d.remaining;
    skipped.push(...d.skipped);
  }
  return { merge: merged.map((m) => m.step), skipped, ...(note ? { note } : {}) };
}
