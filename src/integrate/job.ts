/**
 * A new integrate job from what was gathered: pin base, the integration branch and every tip,
 * decide where the merges start (base, the integration branch ahead of it, or a merge of both),
 * and the queue of phases to merge. Also: the plan a job was made with, read back by blob id.
 */
import { randomBytes } from 'node:crypto';
import { git } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH, type Plan } from '../core/plan.js';
import { refused, type ParallelError } from '../errors.js';
import { planFromBlob, VERIFIED } from '../config/plan-source.js';
import type { Gathered } from './gather.js';
import type { IntegratePlan } from './plan-steps.js';
import type { Job } from './journal.js';
import { jobIdentity } from './scratch.js';

function isAncestor(cwd: string, a: string, b: string): boolean {
  return git(['merge-base', '--is-ancestor', a, b], { cwd, okCodes: [0, 1] }).exitCode === 0;
}

/** Where the merges start, given base and the integration branch. */
export function startingPoint(cwd: string, base: string, baseOid: string, integration: string | null): { from: string; bringBase: boolean } {
  if (!integration || isAncestor(cwd, integration, baseOid)) return { from: baseOid, bringBase: false };
  if (isAncestor(cwd, baseOid, integration)) return { from: integration, bringBase: false };
  if (git(['merge-base', baseOid, integration], { cwd, okCodes: [0, 1] }).exitCode === 1) throw unrelatedHistories(base);
  return { from: integration, bringBase: true };
}

/** The integration branch shares no commit with base (a pre-existing branch of that name, rewritten history). */
export function unrelatedHistories(base: string): ParallelError {
  return refused(
    `parallel: ${INTEGRATION_BRANCH} has a history unrelated to ${base} (they share no commit), so nothing can be merged into it; nothing was changed and no integrate is pending. If that branch is not integrate's, rename it ("git branch -m ${INTEGRATION_BRANCH} <new name>"); to start it over, run "parallel integrate --reset" (it goes back to ${base} or the last merge integrate recorded, and its commits are kept under refs/parallel/saved/integration/); then run "parallel integrate".`,
    'conflict',
  );
}

export function createJob(ctx: RepoContext, g: Gathered, plan: IntegratePlan, opts: { each: boolean; land: boolean }): Job {
  const now = new Date();
  const { from, bringBase } = startingPoint(ctx.toplevel, g.base, g.baseOid, g.integration);
  const sessions: Record<string, string> = {};
  for (const [id, f] of g.input.facts) sessions[id] = f.session;
  return {
    version: 1,
    id: `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`,
    created: now.toISOString(),
    date: Math.floor(now.getTime() / 1000),
    identity: jobIdentity(ctx.toplevel),
    base: g.base,
    baseOid: g.baseOid,
    integrationBefore: g.integration,
    from,
    bringBase,
    ...(bringBase ? {} : { start: from }),
    planBlob: g.planBlob,
    test: g.plan.test ?? null,
    testRetries: g.plan.testRetries,
    testTimeoutMs: g.plan.timeouts.test,
    each: opts.each,
    land: opts.land,
    order: plan.order,
    sessions,
    already: plan.already,
    queue: plan.merge,
    chain: [],
    skipped: plan.skipped,
    tests: {},
    stage: 'merging',
    recorded: [],
    runs: 0,
  };
}

/** The plan a job was made with (by blob id: base may have moved since). */
export async function planOfJob(ctx: RepoContext, job: Pick<Job, 'planBlob' | 'base'>): Promise<Plan> {
  return planFromBlob(ctx, job.planBlob, `${job.base}:.parallel.yml`, VERIFIED);
}
