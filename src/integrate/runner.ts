/**
 * The integrate runner: executes a job (journal.ts) step by step in the scratch worktree,
 * recording progress after every step, so a run killed at any moment resumes from the journal
 * with the same pinned tips and reaches the same result (merge commits carry the job's pinned
 * date, so a re-done merge is the same commit).
 *
 *   merging  -> merge each queued phase (--no-ff, hooks off); a conflict skips the phase and
 *               its dependents; `--each` tests after every merge
 *            -> test the head; red: is the start red (then nothing merges)? else bisect the
 *               merges, drop the first red one and its dependents, re-merge the rest, re-test
 *   moving   -> compare-and-swap the integration branch to the green head
 *   recording-> notes on the merge commits and `integrate` events (one store commit)
 *   landing  -> `--land`: fast-forward base
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { git, gitTry, ZERO_OID } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH, type Plan } from '../core/plan.js';
import { ParallelError } from '../errors.js';
import { formatSeconds, type Progress } from './progress.js';
import { chainHead, closeJournal, writeJournal, type Job, type MergedStep, type SetupFailure } from './journal.js';
import { resetScratch, mergeInScratch, needsIdentity, NO_HOOKS, type MergeIdentity } from './scratch.js';
import { runLogged, stopOrphan, tail } from './run-test.js';
import { dropWithDependents, mergeMessage, short, type MergeStep } from './plan-steps.js';
import { firstRed } from './bisect.js';
import { unrelatedHistories } from './job.js';
import { conflictPartner, earlierMerges, type PhaseMerge } from './blame.js';
import { faultPoint } from './faults.js';
import { copyPlanFiles } from '../worktrees/copy-files.js';
import { checkedOutBranches } from '../worktrees/layout.js';

export interface RunnerEnv {
  ctx: RepoContext;
  /** `<common dir>/parallel/integrate` */
  dir: string;
  plan: Plan;
  progress: Progress;
}

/** Marks the scratch worktree as holding something to clear (a conflicted merge). */
const DIRTY = 'dirty';

export { mergeMessage };

class Runner {
  private at: string | undefined;
  private identity: MergeIdentity;
  private scratch = '';
  private earlier: PhaseMerge[] | undefined;
  private total: number;

  constructor(private readonly env: RunnerEnv, private readonly job: Job) {
    this.identity = { date: job.date, ...job.identity };
    this.total = job.chain.length + job.queue.length;
  }

  private save(): void {
    writeJournal(this.env.dir, this.job);
  }

  /** Put the scratch worktree at `commit` (clearing whatever a killed run left there). */
  private async moveTo(commit: string): Promise<void> {
    if (this.at === commit) return;
    const { path, created, movedFrom } = resetScratch(this.env.ctx, this.env.dir, this.env.plan, commit);
    if (this.scratch !== path) {
      this.env.progress.line(`scratch worktree: ${path}${movedFrom ? ` (moved from ${movedFrom})` : created ? ' (created)' : ''}`);
    }
    this.scratch = path;
    // `clean -fd` removed copies that are not ignored: copy again (existing files are kept).
    if (this.env.plan.copy.length) await copyPlanFiles(this.env.plan.copy, this.env.ctx.mainWorktree, path);
    if (!this.job.identity && (this.at === undefined || created) && needsIdentity(path)) {
      const fallback = { name: 'parallel', email: 'parallel@localhost' };
      Object.assign(this.identity, { author: fallback, committer: fallback });
    }
    this.at = commit;
  }

  async run(): Promise<void> {
    const job = this.job;
    stopOrphan(join(this.env.dir, 'test.pid'));
    await this.moveTo(chainHead(job));
    if (job.bringBase && !job.start) await this.bringUpToBase();
    if (job.bringBase && job.test && !this.stopped() && !(await this.testCommit(job.start!, 'the integration branch brought up to base'))) {
      this.markBaseRed();
    }
    for (;;) {
      await this.mergeQueue();
      if (this.stopped() || !job.test || job.each) break;
      const head = chainHead(job);
      if (job.chain.length === 0) break;
      if (await this.testCommit(head, `${job.chain.length} merge${job.chain.length === 1 ? '' : 's'}`)) break;
      if (this.stopped()) break;
      if (!(await this.testCommit(job.start!, `${job.base} alone`))) {
        this.markBaseRed();
        break;
      }
      const chain = job.chain;
      this.env.progress.line(`tests are red; finding the merge that turns them red (bisecting ${chain.length} merges)`);
      const i = chain.length === 1 ? 0 : await firstRed(chain.length, (k) => (this.stopped() ? Promise.resolve(false) : this.testCommit(chain[k]!.commit, `after merging ${chain[k]!.id}`)));
      if (this.stopped()) break;
      this.drop(i, 'red', `the tests fail once it is merged (${this.logNote(chain[i]!.commit)}); fix it in its worktree, then run "parallel done" and "parallel integrate" again`);
    }
    job.stage = 'moving';
    job.head = this.stopped() ? (job.bringBase ? job.integrationBefore ?? job.from : job.from) : chainHead(job);
    this.save();
    faultPoint('before-move');
  }

  private logNote(commit: string): string {
    const t = this.job.tests[commit];
    if (!t) return 'untested';
    return t.movedHead ? `the test moved HEAD in the scratch worktree (${t.movedHead}), which a test must not do; log: ${t.log}` : `log: ${t.log}`;
  }

  /** Nothing more is merged or tested: base is red, or setup failed. */
  private stopped(): boolean {
    return Boolean(this.job.baseRed || this.job.setupFailed);
  }

  /** Setup failed: the tests cannot run, so nothing merges and nobody is blamed. */
  private markSetupFailed(failure: SetupFailure): void {
    const job = this.job;
    job.setupFailed = failure;
    const how = failure.timedOut ? 'timed out' : failure.code < 0 ? 'could not start' : `exit ${failure.code}`;
    const detail = `setup "${failure.command}" failed in the scratch worktree (${how}; log: ${failure.log}), so the tests did not run; no phase is to blame: fix the setup command or what it needs, then run "parallel integrate" again`;
    for (const s of [...job.chain, ...job.queue]) job.skipped.push({ id: s.id, reason: 'setup', detail, fails: true });
    job.chain = [];
    job.queue = [];
    this.save();
  }

  private markBaseRed(): void {
    const job = this.job;
    if (job.setupFailed) return; // the tests did not run: that is not red
    job.baseRed = true;
    const what = job.bringBase ? `${INTEGRATION_BRANCH} brought up to ${job.base}` : job.from === job.baseOid ? `${job.base} itself` : `${INTEGRATION_BRANCH} as it was`;
    const detail = `the tests fail on ${what}, before any phase is merged (${this.logNote(job.start!)}); no phase is to blame: fix ${job.base} first`;
    for (const s of [...job.chain, ...job.queue]) job.skipped.push({ id: s.id, reason: 'red', detail, fails: true });
    job.chain = [];
    job.queue = [];
    this.save();
  }

  /** Merge base into the integration branch (they diverged). */
  private async bringUpToBase(): Promise<void> {
    const job = this.job;
    const out = mergeInScratch(this.scratch, job.baseOid, `parallel: integrate ${job.base} into ${INTEGRATION_BRANCH}`, this.identity);
    if (!out.ok) {
      this.at = DIRTY;
      await this.moveTo(job.from);
      // Nothing has moved and a resume would meet the same conflict: the job is over.
      closeJournal(this.env.dir, job);
      if (out.unrelated) throw unrelatedHistories(job.base);
      throw new ParallelError(
        `parallel: ${INTEGRATION_BRANCH} and ${job.base} have diverged and conflict in ${out.files!.join(', ')}; nothing was changed and no integrate is pending. Start the integration branch over from ${job.base} ("git branch -f ${INTEGRATION_BRANCH} ${job.base}" in the main worktree): its phases merge again, and a phase that conflicts with ${job.base} is reported with "parallel update" as its fix; then run "parallel integrate". (A merge made by hand on ${INTEGRATION_BRANCH} is not one integrate recorded, so integrate would refuse to build on it.)`,
        { code: 'conflict' },
      );
    }
    job.start = out.commit!;
    this.at = out.commit!;
    this.save();
    faultPoint('brought-up-to-base');
    this.env.progress.line(`merged ${job.base} into ${INTEGRATION_BRANCH} (they had diverged)`);
  }

  private async mergeQueue(): Promise<void> {
    const job = this.job;
    while (job.queue.length && !this.stopped()) {
      const step = job.queue[0]!;
      const head = chainHead(job);
      await this.moveTo(head);
      faultPoint(`merge-${step.id}`);
      const started = Date.now();
      const out = mergeInScratch(this.scratch, step.tip, mergeMessage(step.id, step.session), this.identity);
      const n = job.chain.length + 1;
      if (!out.ok) {
        this.at = DIRTY; // the worktree holds the conflict: put it back at the head
        await this.moveTo(head);
        const withWhat = out.unrelated ? `with ${INTEGRATION_BRANCH}: their histories are unrelated (no common commit)` : `with ${this.conflictPartner(out.files!)}`;
        const detail = out.unrelated
          ? `cannot be merged: parallel/${step.id} shares no commit with ${INTEGRATION_BRANCH} (rewritten history?); start it again from ${job.base} and bring its work over (e.g. "git cherry-pick"), then "parallel done" and integrate again`
          : `conflicts ${withWhat} in ${out.files!.slice(0, 5).join(', ')}${out.files!.length > 5 ? ` and ${out.files!.length - 5} more` : ''}; run "parallel update" in its worktree (or "parallel update --phase ${step.id}"), resolve and commit, then "parallel done" and integrate again`;
        const { remaining, skipped } = dropWithDependents(this.env.plan.phases, job.queue, step.id, 'conflict', detail);
        job.queue = remaining;
        job.skipped.push(...skipped);
        this.total -= skipped.length;
        this.save();
        this.env.progress.line(`[${n}/${this.total + skipped.length}] conflict: ${step.id} ${withWhat}${out.files!.length ? ` in ${out.files!.slice(0, 3).join(', ')}` : ''}${out.files!.length > 3 ? ', ...' : ''} (skipped${skipped.length > 1 ? ` with ${skipped.slice(1).map((s) => s.id).join(', ')}` : ''})`);
        continue;
      }
      const merged: MergedStep = { ...step, commit: out.commit!, ms: Date.now() - started };
      job.chain.push(merged);
      job.queue.shift();
      this.at = out.commit!;
      this.save();
      this.env.progress.line(`[${n}/${this.total}] merged ${step.id} (${formatSeconds(merged.ms)})`);
      faultPoint(`merged-${step.id}`);
      if (job.each && job.test) {
        if (await this.testCommit(out.commit!, `after merging ${step.id}`)) continue;
        if (this.stopped()) return;
        if (!(await this.testCommit(job.start ?? job.from, `${job.base} alone`))) {
          this.markBaseRed();
          return;
        }
        this.drop(job.chain.length - 1, 'red', `the tests fail once it is merged (${this.logNote(out.commit!)}); fix it in its worktree, then run "parallel done" and "parallel integrate" again`);
      }
    }
  }

  /** Drop the merge at chain index `i` (and its dependents); the merges after it are redone. */
  private drop(i: number, reason: 'red', detail: string): void {
    const job = this.job;
    const later: MergeStep[] = [...job.chain.slice(i), ...job.queue].map(({ id, session, tip }) => ({ id, session, tip }));
    const { remaining, skipped } = dropWithDependents(this.env.plan.phases, later, job.chain[i]!.id, reason, detail);
    job.chain = job.chain.slice(0, i);
    job.queue = remaining;
    job.skipped.push(...skipped);
    this.total = job.chain.length + job.queue.length;
    this.save();
    this.env.progress.line(`dropped ${skipped.map((s) => s.id).join(', ')}: ${skipped[0]!.id} turns the tests red`);
  }

  /** Who a conflict is with: phases merged by this job or an earlier one that changed these files, else base. */
  private conflictPartner(files: readonly string[]): string {
    const job = this.job;
    const cwd = this.env.ctx.toplevel;
    this.earlier ??= earlierMerges(cwd, job.baseOid, job.start ?? job.from);
    return conflictPartner(cwd, [...this.earlier, ...job.chain], files, job.base);
  }

  /** Run setup and the test at `commit` (with retries); results are kept in the journal. */
  private async testCommit(commit: string, what: string): Promise<boolean> {
    const job = this.job;
    const known = job.tests[commit];
    if (known) return known.passed;
    await this.moveTo(commit);
    job.runs += 1;
    this.save();
    const logs = join(this.env.dir, 'logs');
    mkdirSync(logs, { recursive: true });
    const log = join(logs, `${job.id}-${String(job.runs).padStart(2, '0')}-${short(commit)}.log`);
    const pidFile = join(this.env.dir, 'test.pid');
    const timeoutMs = job.testTimeoutMs;
    const p = this.env.progress;
    let ms = 0;
    let attempts = 0;
    let passed = true;
    let movedHead: string | undefined;
    // Setup and tests may change the tree (lockfile rewrites, snapshot updaters, formatters) or
    // even commit: whatever they leave, the next step starts from a reset worktree.
    this.at = DIRTY;
    for (const cmd of this.env.plan.setup) {
      p.line(`setup: ${cmd}`);
      const out = await runLogged({ cwd: this.scratch, command: cmd, log, timeoutMs, pidFile });
      this.checkInterrupted(out.interrupted);
      if (!out.passed) {
        p.line(`setup failed (${out.timedOut ? 'timed out' : `exit ${out.code}`}); the tests did not run; log: ${log}`);
        const last = tail(log, 12);
        if (last) p.block(last);
        this.markSetupFailed({ command: cmd, code: out.code, timedOut: out.timedOut, log });
        return false;
      }
    }
    for (attempts = 1; attempts <= 1 + job.testRetries; attempts++) {
      p.line(`testing ${what} at ${short(commit)}${attempts > 1 ? ` (retry ${attempts - 1} of ${job.testRetries})` : ''}: ${job.test}`);
      const out = await runLogged({
        cwd: this.scratch,
        command: job.test!,
        log,
        timeoutMs,
        pidFile,
        onTick: (elapsed) => p.tick(`testing... ${formatSeconds(elapsed)}`),
        tickMs: 10_000,
      });
      this.checkInterrupted(out.interrupted);
      ms += out.ms;
      movedHead = headMovedFrom(this.scratch, commit);
      passed = out.passed && !movedHead;
      if (passed) break;
      if (movedHead) {
        // Not retried: what it tested is no longer the commit under test.
        p.line(`tests failed: the test moved HEAD in the scratch worktree (${movedHead}); a test must not commit or check out`);
        break;
      }
      p.line(`tests failed (${out.timedOut ? `timed out after ${formatSeconds(out.ms)}` : `exit ${out.code}`}, ${formatSeconds(out.ms)})`);
    }
    attempts = Math.min(attempts, 1 + job.testRetries);
    job.tests[commit] = { passed, ms, log, attempts, ...(movedHead ? { movedHead } : {}) };
    this.save();
    faultPoint(`tested-${short(commit)}`);
    if (passed) p.line(`tests passed (${formatSeconds(ms)}${attempts > 1 ? `, on retry ${attempts - 1}` : ''}); log: ${log}`);
    else {
      const last = tail(log, 12);
      if (last) p.block(last);
      p.line(`log: ${log}`);
    }
    return passed;
  }

  private checkInterrupted(interrupted: boolean): void {
    if (!interrupted) return;
    throw new ParallelError('parallel: integrate was interrupted; nothing moved. Run "parallel integrate --continue" to resume it, or "parallel integrate --abort" to undo it.', { code: 'refused' });
  }
}

/** What a test did to HEAD (committed, checked out a branch), or undefined when it is still `commit`, detached. */
function headMovedFrom(path: string, commit: string): string | undefined {
  const [oid, name] = git(['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD'], { cwd: path, okCodes: [0, 128] }).stdout.trim().split('\n');
  if (name && name !== 'HEAD') return `it checked out ${name.replace(/^refs\/heads\//, '')}`;
  if (oid !== commit) return `HEAD is at ${oid ? short(oid) : 'nothing'} instead of ${short(commit)}: it committed or checked out`;
  return undefined;
}

/** Run the merging stage of a job (resumes where the journal says). */
export async function runMerges(env: RunnerEnv, job: Job): Promise<void> {
  if (job.stage !== 'merging') return;
  await new Runner(env, job).run();
}

/** Refuse to move a branch that a worktree has checked out (its files would look modified). */
export function assertNotCheckedOut(ctx: RepoContext, branch: string): void {
  const where = checkedOutBranches(ctx.toplevel).whereIs.get(`refs/heads/${branch}`);
  if (where) {
    throw new ParallelError(
      `parallel: ${branch} is checked out in the worktree ${where}; integrate moves that branch and will not change a worktree that is not its own. Check out something else there (e.g. "git -C '${where}' switch --detach"), then run "parallel integrate" again.`,
      { code: 'refused' },
    );
  }
}

/** Move the integration branch to the job's green head by compare-and-swap (idempotent). */
export function moveIntegration(env: RunnerEnv, job: Job): void {
  if (job.stage !== 'moving') return;
  const ref = `refs/heads/${INTEGRATION_BRANCH}`;
  const head = job.head!;
  const now = gitTry(['rev-parse', '--verify', '--quiet', ref], { cwd: env.ctx.toplevel });
  if (now !== head) {
    if (now !== job.integrationBefore) {
      throw new ParallelError(
        `parallel: ${INTEGRATION_BRANCH} moved while integrate ran (it is at ${now ? short(now) : 'nothing'}, integrate started from ${job.integrationBefore ? short(job.integrationBefore) : 'nothing'}); nothing was changed. Run "parallel integrate --abort", then "parallel integrate" again.`,
        { code: 'refused' },
      );
    }
    assertNotCheckedOut(env.ctx, INTEGRATION_BRANCH);
    const tested = job.test ? 'tested' : 'untested';
    git([...NO_HOOKS, 'update-ref', '-m', `parallel integrate: ${tested} ${short(head)}`, ref, head, job.integrationBefore ?? ZERO_OID], { cwd: env.ctx.toplevel });
  }
  job.stage = 'recording';
  writeJournal(env.dir, job);
  faultPoint('moved');
}
