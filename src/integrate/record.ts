/**
 * After the integration branch moved: a note on each merge commit (phase, session, test command,
 * result, durations; `git log` shows it), an `integrate` event per phase merged or left out for
 * something to fix and the run's own event, all in ONE compare-and-swap commit on the
 * coordination ref (the store's write path), so a run killed around it either wrote all of it or
 * none. A resumed run first checks for the job's note on its first merge (or its events), so
 * nothing is written twice.
 */
import { git, gitTry } from '../git/git.js';
import { recordTrusted } from '../store/trusted.js';
import type { RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH, NOTES_REF, type Plan } from '../core/plan.js';
import { appendEvents, readEvents, type NoteWrite } from '../store/store.js';
import type { NewEvent } from '../store/types.js';
import { writeJournal, type Job } from './journal.js';
import { formatSeconds } from './progress.js';
import { short } from './plan-steps.js';
import { faultPoint } from './faults.js';
import { jsonOf, reportOfJob } from './report.js';
import { COORDINATOR_SESSION } from '../store/record.js';

export function mergeNote(job: Job, step: Job['chain'][number]): string {
  const t = job.head ? job.tests[job.head] : undefined;
  const result = !job.test ? 'untested (no test command in the plan)'
    : t ? `${t.passed ? 'passed' : 'failed'} in ${formatSeconds(t.ms)}${t.attempts > 1 ? ` (attempt ${t.attempts})` : ''}` : 'not run';
  return [
    `parallel: integrated ${step.id} (session ${step.session})`,
    `phase: ${step.id}`,
    `session: ${step.session}`,
    `tip: ${step.tip}`,
    `test: ${job.test ?? '(none)'}`,
    `result: ${result}`,
    `merge: ${formatSeconds(step.ms)}`,
    `head: ${job.head}`,
    `job: ${job.id}`,
  ].join('\n');
}

function alreadyRecorded(ctx: RepoContext, job: Job): boolean {
  const first = job.chain[0];
  if (first) {
    const note = gitTry(['notes', `--ref=${NOTES_REF}`, 'show', first.commit], { cwd: ctx.toplevel });
    return note !== null && note.includes(`job: ${job.id}`);
  }
  const skip = job.skipped.find((s) => s.fails);
  // A run that merged nothing and failed nothing has only its run event (the coordinator's).
  return readEvents(ctx, { phase: skip ? skip.id : '' }).some((e) => e.job === job.id);
}

/**
 * The run as a whole, as the coordinator's `integrate` event: what `integrate --json` reports
 * (merged, skipped with reason and detail, tests, head) plus each merge's duration, so the run
 * can be drawn later and in any clone (`parallel report`). Landing comes after; not recorded here.
 */
export function runEvent(plan: Plan, job: Job): NewEvent {
  const { landed: _landed, ...report } = jsonOf(reportOfJob(job, false));
  const merged = report.integrated as string[];
  const failing = job.skipped.filter((s) => s.fails);
  return {
    type: 'integrate',
    workspace: plan.name,
    phase: '',
    session: COORDINATOR_SESSION,
    message: `integrate run: ${merged.length ? `integrated ${merged.join(', ')}` : 'nothing integrated'}${failing.length ? `; skipped ${failing.map((s) => `${s.id} (${s.reason})`).join(', ')}` : ''}`,
    job: job.id,
    started_at: job.created,
    test: job.test,
    ...report,
    merges: job.chain.map((s) => ({ id: s.id, seconds: Math.round(s.ms / 100) / 10 })),
  };
}

/**
 * Before the integration branch moves: record the head as trusted (SPEC: the branch only ever
 * points at base or at a commit integrate recorded). Written first, so a run killed between the
 * record and the move leaves a trusted commit nothing points at yet, never a moved branch that is
 * not trusted; the resumed run finds the record and moves the branch.
 */
export async function trustHead(ctx: RepoContext, job: Job): Promise<void> {
  if (job.stage !== 'moving' || !job.head) return;
  if (git(['merge-base', '--is-ancestor', job.head, job.baseOid], { cwd: ctx.toplevel, okCodes: [0, 1, 128] }).exitCode === 0) return;
  await recordTrusted(ctx, {
    commit: job.head,
    at: new Date().toISOString(),
    job: job.id,
    tested: Boolean(job.test),
    base: job.base,
    phases: job.chain.map((s) => s.id),
  });
  faultPoint('trusted');
}

export async function recordJob(ctx: RepoContext, dir: string, plan: Plan, job: Job): Promise<void> {
  if (job.stage !== 'recording') return;
  // Base red: no merge and no note, but each phase held up still gets its `integrate` event.
  if (!alreadyRecorded(ctx, job)) {
    const events: NewEvent[] = [];
    const notes: NoteWrite[] = [];
    const tested = job.test ? (job.head ? job.tests[job.head] : undefined) : undefined;
    for (const step of job.chain) {
      notes.push({ commit: step.commit, text: mergeNote(job, step) });
      events.push({
        type: 'integrate',
        workspace: plan.name,
        phase: step.id,
        session: step.session,
        message: `integrated into ${INTEGRATION_BRANCH} at ${short(job.head!)}${job.test ? (tested?.passed ? ', tests green' : '') : ', untested'}`,
        result: 'integrated',
        commit: step.commit,
        tip: step.tip,
        head: job.head,
        job: job.id,
        tested: Boolean(job.test),
      });
    }
    for (const s of job.skipped) {
      if (!s.fails) continue;
      events.push({
        type: 'integrate',
        workspace: plan.name,
        phase: s.id,
        session: job.sessions[s.id] ?? s.id,
        message: `not integrated (${s.reason}): ${s.detail}`,
        result: 'skipped',
        reason: s.reason,
        job: job.id,
      });
    }
    events.push(runEvent(plan, job));
    await appendEvents(ctx, events, notes);
  }
  faultPoint('recorded');
  job.recorded = job.chain.map((s) => s.id);
  job.stage = 'landing';
  writeJournal(dir, job);
}
