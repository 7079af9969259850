/**
 * `parallel integrate [--dry-run] [--each] [--land] [--push [<remote>]] [--continue | --abort | --reset] [--json]`.
 * Gather -> plan (pure) -> job in a journal -> run it (merge, test, move, record, land). The
 * pieces live in src/integrate/; docs/ARCHITECTURE.md describes the state machine.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { usageError, refused, ParallelError } from '../errors.js';
import { openRepo, stateDir, type RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH } from '../core/plan.js';
import { gather, type Gathered } from '../integrate/gather.js';
import { describeBaseWork, untestedBaseWork } from '../enforce/base-work.js';
import { planIntegration, short, reviewProblem } from '../integrate/plan-steps.js';
import { acquireLock, inspectLock, type HeldLock } from '../integrate/lock.js';
import { closeJournal, readJournal, writeJournal, type Job } from '../integrate/journal.js';
import { createJob, planOfJob } from '../integrate/job.js';
import { runMerges, moveIntegration, assertNotCheckedOut } from '../integrate/runner.js';
import { recordJob, trustHead } from '../integrate/record.js';
import { resetIntegration, strayRefusal } from '../integrate/reset.js';
import { checkPlanOnResume } from '../integrate/resume-check.js';
import { land } from '../integrate/land.js';
import { abortJob } from '../integrate/abort.js';
import { predictMerges } from '../integrate/predict.js';
import { progressOn, type Progress } from '../integrate/progress.js';
import { exitCodeOf, jsonOf, reportOfJob, textOf, type IntegrateReport } from '../integrate/report.js';
import { faultPoint } from '../integrate/faults.js';
import { clearIntegrationLock, clearStaleNotesLock } from '../integrate/leftovers.js';

/** `held`: the lock `--push` took for its whole fetch, run and push (this run then takes none). */
export async function run(input: CommandInput, held?: HeldLock): Promise<CommandResult> {
  const o = input.opts;
  if (o.push) return (await import('../integrate/push.js')).runWithPush(input, run);
  if (input.args.length) throw usageError(`parallel: integrate takes no arguments (got "${input.args[0]}"). Run "parallel integrate --help".`);
  if (o.continue && o.abort) throw usageError('parallel: --continue and --abort exclude each other. Pick one.');
  if (o.reset && (o.continue || o.abort || o.land || o.each || o['dry-run'])) throw usageError('parallel: --reset only moves the integration branch back; it does not combine with --continue, --abort, --land, --each or --dry-run. Run it alone.');
  if (o['dry-run'] && (o.continue || o.abort || o.land)) throw usageError('parallel: --dry-run changes nothing, so it does not combine with --continue, --abort or --land. Run it alone.');
  const ctx = openRepo(input.cwd);
  const dir = stateDir(ctx, 'integrate');
  if (o['dry-run']) return dryRun(ctx, dir);

  const lock = held ?? acquireLock(dir, 'integrate');
  const progress = progressOn(input.io);
  try {
    if (lock.cleared) progress.line(`cleared a stale lock left by a killed integrate (pid ${lock.cleared.pid}, since ${lock.cleared.since})`);
    let job = readJournal(dir);
    if (o.reset) {
      if (job) throw refused(`parallel: an interrupted integrate (started ${job.created}) is pending; --reset would move the branch under it. Finish it ("parallel integrate") or undo it ("parallel integrate --abort") first.`);
      const out = resetIntegration(ctx);
      return { exitCode: 0, data: { head: out.head, saved: out.saved ?? null, strays: out.strays }, text: out.lines.join('\n') };
    }
    if (o.abort) {
      if (!job) throw refused('parallel: there is no interrupted integrate to abort. Nothing was changed.');
      clearIntegrationLock(ctx);
      const { lines, head } = await abortJob(ctx, dir, await planOfJob(ctx, job), job);
      return { exitCode: 0, data: { aborted: job.id, head }, text: lines.join('\n') };
    }
    if (job) {
      if (clearIntegrationLock(ctx)) progress.line(`cleared ${INTEGRATION_BRANCH}'s ref lock left by the killed run`);
      // Both stages write the store (the trusted record before the move, then notes and events):
      // a run killed in either may have left the coordination ref's lock.
      if ((job.stage === 'moving' || job.stage === 'recording') && clearStaleNotesLock(ctx)) progress.line('cleared the coordination ref\'s lock left by the killed run');
      progress.line(`resuming the interrupted integrate started ${job.created} (pinned tips: ${job.queue.concat(job.chain).map((s) => `${s.id}@${short(s.tip)}`).join(', ') || 'none'})`);
      const changed = await checkPlanOnResume(ctx, job, await planOfJob(ctx, job));
      if (changed) progress.line(changed);
      if (o.each && !job.each) {
        progress.line('resuming the interrupted integrate without --each (it started without it; --each is ignored). To test after every merge, run "parallel integrate --abort", then "parallel integrate --each".');
      }
      if (o.land && !job.land) {
        job.land = true;
        writeJournal(dir, job);
      }
    } else {
      if (o.continue) throw refused('parallel: there is no interrupted integrate to continue. Run "parallel integrate" to start one.');
      job = await newJob(ctx, dir, Boolean(o.each), Boolean(o.land), progress);
    }
    const report = await execute(ctx, dir, job, progress);
    return { exitCode: exitCodeOf(report), data: jsonOf(report), text: textOf(report, job.test !== null) };
  } finally {
    if (!held) lock.release();
  }
}

async function newJob(ctx: RepoContext, dir: string, each: boolean, landToo: boolean, progress: Progress): Promise<Job> {
  const g = await gather(ctx);
  if (g.trust.strays.length) throw strayRefusal(ctx, g.trust, g.base);
  const onBase = untestedOnBase(ctx, g);
  if (onBase) throw refused(`parallel: ${onBase}`);
  assertNotCheckedOut(ctx, INTEGRATION_BRANCH);
  const plan = planIntegration(g.input);
  const job = createJob(ctx, g, plan, { each, land: landToo });
  writeJournal(dir, job);
  faultPoint('journal-created');
  if (job.queue.length) progress.line(`merging ${job.queue.length} phase${job.queue.length === 1 ? '' : 's'} into ${INTEGRATION_BRANCH}: ${job.queue.map((s) => s.id).join(', ')}`);
  return job;
}

async function execute(ctx: RepoContext, dir: string, job: Job, progress: Progress): Promise<IntegrateReport> {
  const plan = await planOfJob(ctx, job);
  const env = { ctx, dir, plan, progress };
  await runMerges(env, job);
  await trustHead(ctx, job);
  moveIntegration(env, job);
  await recordJob(ctx, dir, plan, job);
  let landRefusal: string | undefined;
  let alreadyThere = false;
  if (job.stage === 'landing' && job.land && !job.landed) {
    const out = land(ctx, job.base, job.head!, job.baseOid);
    alreadyThere = Boolean(out.already);
    if (out.landed) {
      job.landed = true;
      writeJournal(dir, job);
      faultPoint('landed');
    } else landRefusal = out.refusal;
  }
  closeJournal(dir, job);
  return { ...reportOfJob(job, Boolean(job.landed), landRefusal), ...(alreadyThere ? { baseAlreadyThere: true } : {}) };
}

async function dryRun(ctx: RepoContext, dir: string): Promise<CommandResult> {
  const g = await gather(ctx);
  const plan = planIntegration(g.input);
  const pred = predictMerges(ctx, g.plan.phases, g.base, g.baseOid, g.integration, plan.merge);
  const reviews: { id: string; reviewer: string; state: string }[] = [];
  for (const reviewed of g.plan.phases.filter((p) => g.plan.phases.some((r) => r.reviews === p.id))) {
    const reviewers = g.plan.phases.filter((r) => r.reviews === reviewed.id);
    const tip = g.input.facts.get(reviewed.id)?.tip;
    for (const r of reviewers) {
      const v = (g.input.reviews.get(reviewed.id) ?? []).find((x) => x.reviewer === r.id);
      const problem = tip ? reviewProblem([r], v ? [v] : [], tip) : 'no branch yet';
      reviews.push({ id: reviewed.id, reviewer: r.id, state: problem ? problem.replace(`${r.id} `, '').replace(`${r.id}'s `, '') : `approved ${short(tip!)}` });
    }
  }
  const journal = readJournal(dir);
  // A journal under a live lock is a run in progress, not an interrupted one.
  const holder = inspectLock(dir);
  const running = holder?.alive ? holder.info : undefined;
  const pending = running ? undefined : journal;
  const runningNote = running ? `Another integrate is running now (pid ${running.pid} on ${running.host}, since ${running.since}): this shows the state before it finishes, and a new "parallel integrate" exits 4 until it does.` : '';
  const report: IntegrateReport = {
    order: plan.order,
    integrated: pred.merge.map((m) => m.id),
    already: plan.already,
    skipped: [...plan.skipped, ...pred.skipped].sort((a, b) => plan.order.indexOf(a.id) - plan.order.indexOf(b.id)),
    tests: null,
    head: g.integration,
    landed: false,
    base: g.base,
    baseRed: false,
    dryRun: {
      reviews,
      ...(pred.note || pending || running ? { note: [pred.note, runningNote, pending ? `An interrupted integrate (started ${pending.created}) is pending: "parallel integrate" resumes it, "parallel integrate --abort" undoes it.` : ''].filter(Boolean).join('\n') } : {}),
    },
  };
  const stray = g.trust.strays.length ? strayRefusal(ctx, g.trust, g.base).message.replace(/^parallel: /, '') : untestedOnBase(ctx, g);
  const refusal = pending || running ? undefined : stray ?? wouldRefuse(ctx, pred.refusal ? `${INTEGRATION_BRANCH} and ${g.base} have diverged and conflict (above)` : undefined);
  if (refusal) report.dryRun!.wouldRefuse = refusal;
  if (!g.plan.test) report.dryRun!.note = [report.dryRun!.note, 'No test command in the plan: the merges would be untested.'].filter(Boolean).join('\n');
  return { exitCode: exitCodeOf(report), data: jsonOf(report), text: textOf(report, Boolean(g.plan.test)) };
}

/**
 * Base holding phase work integrate never tested (src/core/untested-base.ts): a new run would
 * bring the integration branch up to base and record that as trusted, so it refuses instead.
 */
function untestedOnBase(ctx: RepoContext, g: Gathered): string | undefined {
  const f = describeBaseWork(ctx, untestedBaseWork(ctx, g.base, g.trust));
  return f && `${f.message}. Integrate builds only on tested work, so nothing was changed. Put ${g.base} back first: ${f.fix}`;
}

/** What a new run would refuse with before merging anything (the same checks, as text). */
function wouldRefuse(ctx: RepoContext, conflict: string | undefined): string | undefined {
  try {
    assertNotCheckedOut(ctx, INTEGRATION_BRANCH);
  } catch (e) {
    if (e instanceof ParallelError) return e.message.replace(/^parallel: /, '');
    throw e;
  }
  return conflict;
}
