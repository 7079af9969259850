/**
 * A resumed integrate and base's plan. The job pinned the plan blob it started with; if the
 * coordinator changed `.parallel.yml` on base since (tightened an ownership, changed the test),
 * finishing the job with the pinned plan could land work the plan on base no longer allows.
 * Decision: on resume, the phases of the job are verified again against the plan on base; the
 * job resumes only when none of them violates it and the test, setup and phases it relies on are
 * unchanged. Otherwise it refuses (exit 1) and names `--abort` (which undoes the job) as the way
 * on: the next run then plans with the new plan.
 */
import { resolveBase, type RepoContext } from '../git/repo.js';
import { readCommittedPlan, VERIFIED } from '../config/plan-source.js';
import { phaseById, type Plan } from '../core/plan.js';
import { refused } from '../errors.js';
import { verifyCommits } from '../enforce/verify.js';
import { showPath } from '../enforce/message.js';
import type { Job } from './journal.js';
import { short } from './plan-steps.js';

const FIX = 'Run "parallel integrate --abort" (it undoes this integrate), then "parallel integrate": it plans again with the plan on base.';

/** Returns a progress line when the plan changed but the job may go on; throws when it may not. */
export async function checkPlanOnResume(ctx: RepoContext, job: Job, pinned: Plan): Promise<string | undefined> {
  const base = resolveBase(ctx, VERIFIED);
  const { plan, blob } = await readCommittedPlan(ctx, base, VERIFIED);
  if (blob === job.planBlob) return undefined;
  const what = `${base}'s .parallel.yml changed since this integrate started (${short(job.planBlob)} -> ${short(blob)})`;
  if ((plan.test ?? null) !== job.test || plan.setup.join('\n') !== pinned.setup.join('\n') || plan.testRetries !== job.testRetries) {
    throw refused(`parallel: ${what}, and its test or setup commands differ from the ones this job tested with, so it will not resume. ${FIX}`);
  }
  const steps = [...job.chain, ...job.queue];
  const gone = steps.filter((s) => !phaseById(plan, s.id)).map((s) => s.id);
  if (gone.length) throw refused(`parallel: ${what}, and it no longer has ${gone.join(', ')}, which this job merges, so it will not resume. ${FIX}`);
  // Each phase's own commits up to its pinned tip, judged by the plan on base.
  const not = [`refs/heads/${job.base}`, job.from];
  const found: string[] = [];
  for (const s of steps) {
    for (const v of verifyCommits(ctx, plan, base, s.id, { tip: s.tip, not })) found.push(`${s.id} changes ${showPath(v.path)} (owned by ${v.owner}) in ${short(v.commit)}`);
  }
  if (found.length) {
    throw refused(`parallel: ${what}, and under it ${found.slice(0, 5).join('; ')}${found.length > 5 ? `; and ${found.length - 5} more` : ''}. The job will not resume with the plan it pinned. ${FIX}`);
  }
  return `${what}; the ${steps.length} phase${steps.length === 1 ? '' : 's'} of this job were verified against it again and none violates it`;
}
