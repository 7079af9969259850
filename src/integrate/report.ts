/**
 * What integrate tells the user: the `--json` payload (SPEC "JSON shapes") and the text report.
 */
import { INTEGRATION_BRANCH } from '../core/plan.js';
import { anyFailing, short, type Skip } from './plan-steps.js';
import { formatSeconds } from './progress.js';
import type { Job, SetupFailure } from './journal.js';

export interface IntegrateReport {
  order: string[];
  integrated: string[];
  already: { id: string; how: 'ancestry' | 'content' }[];
  skipped: Skip[];
  tests: { command: string; passed: boolean; seconds: number; log: string } | null;
  head: string | null;
  landed: boolean;
  base: string;
  baseRed: boolean;
  /** `setup` failed in the scratch worktree: the tests did not run. */
  setupFailed?: SetupFailure;
  landRefusal?: string;
  /** `--land` found base already at the head: nothing to land. */
  baseAlreadyThere?: boolean;
  /** Set by `--dry-run`: review state of each reviewed phase and the predicted starting point. */
  dryRun?: { reviews: { id: string; reviewer: string; state: string }[]; note?: string; wouldRefuse?: string };
}

export function reportOfJob(job: Job, landed: boolean, landRefusal?: string): IntegrateReport {
  const head = job.head ?? null;
  const t = head && job.test ? job.tests[head] : undefined;
  return {
    order: job.order,
    integrated: job.baseRed ? [] : job.chain.map((s) => s.id),
    already: job.already,
    skipped: job.skipped,
    tests: job.test && t ? { command: job.test, passed: t.passed, seconds: Math.round(t.ms / 100) / 10, log: t.log } : null,
    head,
    landed,
    base: job.base,
    baseRed: Boolean(job.baseRed),
    ...(job.setupFailed ? { setupFailed: job.setupFailed } : {}),
    ...(landRefusal ? { landRefusal } : {}),
  };
}

export function exitCodeOf(r: IntegrateReport): number {
  return anyFailing(r.skipped) || r.landRefusal || r.dryRun?.wouldRefuse ? 1 : 0;
}

export function jsonOf(r: IntegrateReport): Record<string, unknown> {
  return {
    order: r.order,
    integrated: r.integrated,
    already_integrated: r.already.map((a) => a.id),
    skipped: r.skipped.map(({ id, reason, detail }) => ({ id, reason, detail })),
    tests: r.tests,
    head: r.head,
    landed: r.landed,
    base_red: r.baseRed,
    ...(r.setupFailed ? { setup_failed: { command: r.setupFailed.command, exit_code: r.setupFailed.code, timed_out: r.setupFailed.timedOut, log: r.setupFailed.log } } : {}),
    ...(r.landRefusal ? { land_refused: r.landRefusal } : {}),
    ...(r.dryRun ? { dry_run: true, reviews: r.dryRun.reviews, ...(r.dryRun.wouldRefuse ? { would_refuse: r.dryRun.wouldRefuse } : {}) } : {}),
  };
}

export function textOf(r: IntegrateReport, testConfigured: boolean): string {
  const lines: string[] = [];
  const dry = Boolean(r.dryRun);
  if (dry) {
    lines.push(`Dry run: nothing was changed. Order: ${r.order.join(' -> ') || '(no phases)'}`);
    if (r.dryRun!.note) lines.push(r.dryRun!.note);
    if (r.dryRun!.wouldRefuse) lines.push(`The run would refuse: ${r.dryRun!.wouldRefuse}`);
  }
  if (r.integrated.length) {
    lines.push(dry
      ? `Would merge, in this order: ${r.integrated.join(', ')}`
      : `Integrated into ${INTEGRATION_BRANCH} (${r.head ? short(r.head) : '?'}): ${r.integrated.join(', ')}`);
  } else if (!dry) {
    lines.push(r.setupFailed
      ? `Nothing was integrated: setup "${r.setupFailed.command}" failed in the scratch worktree, so the tests did not run (no phase is to blame).`
      : r.baseRed ? `Nothing was integrated: the tests fail before any merge (${r.base} is red).` : 'Nothing new to integrate.');
  }
  if (r.already.length) lines.push(`Already integrated: ${r.already.map((a) => (a.how === 'content' ? `${a.id} (by content: squash-merged)` : a.id)).join(', ')}`);
  const problems = r.skipped.filter((s) => s.reason !== 'not_done' && !(s.reason === 'needs' && !s.fails));
  const waiting = r.skipped.filter((s) => !problems.includes(s));
  if (problems.length) {
    lines.push(dry ? 'Would skip:' : 'Skipped:');
    const w = Math.max(...problems.map((s) => s.id.length));
    for (const s of problems) lines.push(`  ${s.id.padEnd(w)}  ${s.reason.padEnd(9)}  ${s.detail}`);
  }
  if (waiting.length) lines.push(`Not ready: ${waiting.map((s) => `${s.id} (${s.reason === 'not_done' ? s.detail.replace(/^it is /, '') : s.detail})`).join(', ')}`);
  if (r.dryRun?.reviews.length) {
    lines.push(`Reviews: ${r.dryRun.reviews.map((v) => `${v.id} by ${v.reviewer}: ${v.state}`).join('; ')}`);
  }
  if (!dry) {
    if (r.setupFailed) lines.push(`Tests: did not run (setup "${r.setupFailed.command}" ${r.setupFailed.timedOut ? 'timed out' : `exited ${r.setupFailed.code}`}); log: ${r.setupFailed.log}`);
    else if (r.tests) lines.push(`Tests: ${r.tests.command} ${r.tests.passed ? 'passed' : 'failed'} in ${formatSeconds(r.tests.seconds * 1000)}; log: ${r.tests.log}`);
    else if (!testConfigured && r.integrated.length) lines.push('No test command in the plan: these merges are UNTESTED. Add "test:" to .parallel.yml to have integrate test them.');
    if (r.landed) lines.push(`Landed: ${r.base} fast-forwarded to ${r.head ? short(r.head) : '?'}.`);
    else if (r.landRefusal) lines.push(`Not landed: ${r.landRefusal}.`);
    else if (r.baseAlreadyThere) lines.push(`Nothing to land: ${r.base} is already at ${r.head ? short(r.head) : '?'}.`);
  }
  return lines.join('\n');
}
