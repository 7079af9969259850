/**
 * `integrate --abort`: put the integration branch back where the interrupted job found it
 * (compare-and-swap, only from where the job itself put it: a branch someone else moved, created
 * or deleted is left alone and the job is closed all the same) and the scratch worktree at that commit,
 * stop a test the killed run left behind, record an `aborted` event (earlier events stay) and
 * close the journal. Base is never moved back: a landed fast-forward stays landed.
 */
import { join } from 'node:path';
import { git, gitTry } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH, type Plan } from '../core/plan.js';
import { appendEvent } from '../store/store.js';
import { closeJournal, type Job } from './journal.js';
import { resetScratch, NO_HOOKS } from './scratch.js';
import { stopOrphan } from './run-test.js';
import { short } from './plan-steps.js';

export async function abortJob(ctx: RepoContext, dir: string, plan: Plan, job: Job): Promise<{ lines: string[]; head: string | null }> {
  const lines: string[] = [];
  stopOrphan(join(dir, 'test.pid'));
  const ref = `refs/heads/${INTEGRATION_BRANCH}`;
  const now = gitTry(['rev-parse', '--verify', '--quiet', ref], { cwd: ctx.toplevel });
  const before = job.integrationBefore;
  let outcome: string;
  if (now === before) {
    lines.push(`${INTEGRATION_BRANCH} had not moved${before ? ` (at ${short(before)})` : ''}.`);
    outcome = `${INTEGRATION_BRANCH} ${before ? `at ${short(before)}` : 'absent'} as before`;
  } else if (now !== job.head) {
    // Someone else moved it (or created/deleted it): only the job's own move is undone, so the
    // branch is left where it is and the job is closed all the same.
    lines.push(`${INTEGRATION_BRANCH} is ${now ? `at ${short(now)}` : 'gone'}, which this integrate did not do; it is left alone.`);
    outcome = `${INTEGRATION_BRANCH} left ${now ? `at ${short(now)}` : 'absent'} (moved by someone else)`;
  } else {
    if (before) git([...NO_HOOKS, 'update-ref', '-m', 'parallel integrate --abort', ref, before, now!], { cwd: ctx.toplevel });
    else git([...NO_HOOKS, 'update-ref', '-d', ref, now!], { cwd: ctx.toplevel });
    lines.push(before ? `${INTEGRATION_BRANCH} is back at ${short(before)}.` : `${INTEGRATION_BRANCH} is removed again (the run had created it).`);
    outcome = `${INTEGRATION_BRANCH} ${before ? `back at ${short(before)}` : 'removed'}`;
  }
  resetScratch(ctx, dir, plan, before ?? job.baseOid);
  if (job.landed) lines.push(`${job.base} was already fast-forwarded by this run and stays where it is.`);
  await appendEvent(ctx, {
    type: 'aborted',
    workspace: plan.name,
    phase: '',
    session: 'coordinator',
    message: `integrate aborted (job ${job.id}, started ${job.created}); ${outcome}`,
    job: job.id,
  });
  closeJournal(dir, { ...job, aborted: true } as Job);
  lines.push('The interrupted integrate is aborted; the events it recorded stay in "parallel log".');
  return { lines, head: gitTry(['rev-parse', '--verify', '--quiet', ref], { cwd: ctx.toplevel }) };
}
