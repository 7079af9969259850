/**
 * Phase states for the dashboard, `--wait`, integrate and the brief (pure: plain data in, rows
 * out). Exactly one state per phase, with SPEC's precedence: missing > timed_out > waiting > stale > running;
 * `done` becomes `integrated` when refs say so.
 */
import type { Plan, PhaseId } from './plan.js';
import type { SessionRecord, WaitingReason } from '../store/types.js';
import { missingBranchFix, type MissingBranchFacts } from './missing-branch.js';

export type PhaseState = 'pending' | 'running' | 'waiting' | 'stale' | 'timed_out' | 'missing' | 'done' | 'failed' | 'integrated';
export const PHASE_STATES: readonly PhaseState[] = ['pending', 'running', 'waiting', 'stale', 'timed_out', 'missing', 'done', 'failed', 'integrated'];

export interface BranchFacts {
  tip: string;
  /** The phase's own commits: on its branch, not reachable from base or the integration branch. */
  commits: number;
  /** Distinct paths those commits change. */
  files_changed: number;
  /** ISO time of the newest own commit (a commit counts as a heartbeat). */
  last_commit_at?: string;
}

export interface WorktreeFacts {
  path: string;
  /** False when the worktree on this clone was deleted by hand. */
  exists: boolean;
}

export interface PhaseStateInput {
  plan: Pick<Plan, 'phases' | 'timeouts'>;
  records: readonly SessionRecord[];
  /** Reader's clock (ms since epoch). */
  now: number;
  /** Overrides of the plan's timeouts (ms). */
  heartbeatTimeout?: number;
  sessionTimeout?: number;
  branches: ReadonlyMap<PhaseId, BranchFacts>;
  /** Phases whose branch is integrated (from refs). */
  integrated: ReadonlySet<PhaseId>;
  /** This clone's worktrees of phases. */
  worktrees: ReadonlyMap<PhaseId, WorktreeFacts>;
  /**
   * Phases started on this clone whose branch is gone (renamed or deleted from the worktree):
   * `missing` while running, and when done but not integrated (nothing names the work any more).
   */
  missingBranches?: ReadonlyMap<PhaseId, MissingBranchFacts>;
}

/** Why a `missing` phase is missing, where its work is, and the command that fixes it. */
export interface MissingRow {
  reason: 'worktree' | 'branch';
  /** The commit the phase's worktree is at (reason `branch`), else null. */
  head: string | null;
  /** The branch that worktree has checked out instead (null: detached, or no worktree). */
  head_branch: string | null;
  fix: string;
}

export interface ChecklistRow {
  index: number;
  text: string;
  done: boolean;
  verify?: string;
}

export interface ReviewRow {
  verdict: 'approve' | 'reject';
  reviews: PhaseId;
  tip: string;
  message: string;
  at: string;
  /** The reviewed phase has moved past the reviewed tip: the verdict no longer applies. */
  stale: boolean;
}

export interface PhaseRow {
  id: PhaseId;
  state: PhaseState;
  session: string | null;
  sessions: string[];
  task: string;
  progress: number;
  message: string | null;
  errors: number;
  last_error: { at: string; message: string } | null;
  started_at: string | null;
  last_heartbeat: string | null;
  completed_at: string | null;
  output_files: string[];
  metadata: Record<string, string>;
  branch: string;
  tip: string | null;
  worktree: string | null;
  commits: number;
  files_changed: number;
  checklist: ChecklistRow[];
  /** A reviewer phase's own verdict on the phase it reviews. */
  review: ReviewRow | null;
  reviews: PhaseId | null;
  needs: PhaseId[];
  handoff: { at: string; message: string } | null;
  /** Why the phase's agent waits for a person (state `waiting`), else null. */
  waiting_reason: WaitingReason | null;
  /** The waiting message (the tool that needs approval, the agent's last words) and since when. */
  waiting: { reason: WaitingReason; message: string | null; since: string } | null;
  /** The agent its hooks attached, with its own session id. */
  agent: { name: string; session: string } | null;
  /** State `missing`: what is missing (the worktree, or the branch) and the fix; else null. */
  missing: MissingRow | null;
}

export type Counts = Record<'total' | PhaseState, number>;

/** The session a phase is worked by now: the one started last. */
export function currentRecord(records: readonly SessionRecord[]): SessionRecord | undefined {
  let cur: SessionRecord | undefined;
  for (const r of records) {
    if (!cur || r.started_at > cur.started_at || (r.started_at === cur.started_at && r.updated_at > cur.updated_at)) cur = r;
  }
  return cur;
}

function stateOf(rec: SessionRecord | undefined, id: PhaseId, input: PhaseStateInput, lastBeat: string | null): PhaseState {
  if (!rec) return 'pending';
  if (rec.state === 'done') return input.integrated.has(id) ? 'integrated' : input.missingBranches?.has(id) ? 'missing' : 'done';
  if (rec.state === 'failed') return 'failed';
  const wt = input.worktrees.get(id);
  if ((wt && !wt.exists) || input.missingBranches?.has(id)) return 'missing';
  const sessionTimeout = input.sessionTimeout ?? input.plan.timeouts.session;
  const heartbeatTimeout = input.heartbeatTimeout ?? input.plan.timeouts.heartbeat;
  if (input.now - Date.parse(rec.started_at) > sessionTimeout) return 'timed_out';
  if (rec.waiting) return 'waiting';
  // Judged on the reader's clock: a heartbeat dated further ahead than the timeout comes from a
  // clock that is wrong, and cannot say the session is alive (else it would be, until that date).
  if (lastBeat && Math.abs(input.now - Date.parse(lastBeat)) > heartbeatTimeout) return 'stale';
  return 'running';
}

function waitingFields(rec: SessionRecord | undefined): Pick<PhaseRow, 'waiting_reason' | 'waiting'> {
  const w = rec?.state === 'running' ? rec.waiting : undefined;
  return w ? { waiting_reason: w.reason, waiting: { reason: w.reason, message: w.message ?? null, since: w.at } } : { waiting_reason: null, waiting: null };
}

export function derivePhaseStates(input: PhaseStateInput): PhaseRow[] {
  const byPhase = new Map<PhaseId, SessionRecord[]>();
  for (const r of input.records) {
    const list = byPhase.get(r.phase) ?? [];
    list.push(r);
    byPhase.set(r.phase, list);
  }
  const rows: PhaseRow[] = input.plan.phases.map((phase) => {
    const records = [...(byPhase.get(phase.id) ?? [])].sort((a, b) => (a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : 0));
    const rec = currentRecord(records);
    const branch = input.branches.get(phase.id);
    let lastBeat = rec?.last_heartbeat ?? null;
    if (rec?.state === 'running' && branch?.last_commit_at && (!lastBeat || Date.parse(branch.last_commit_at) > Date.parse(lastBeat))) lastBeat = branch.last_commit_at;
    // Checklist ticks carry across a relay: the latest tick or untick of an item wins.
    const ticks = new Map<number, { done: boolean; at: string }>();
    for (const r of records) {
      for (const [k, t] of Object.entries(r.tasks ?? {})) {
        const prev = ticks.get(Number(k));
        if (!prev || prev.at <= t.at) ticks.set(Number(k), t);
      }
    }
    const handoff = records.reduce<{ at: string; message: string } | null>((h, r) => (r.handoff && (!h || r.handoff.at > h.at) ? r.handoff : h), null);
    const wt = input.worktrees.get(phase.id);
    return {
      id: phase.id,
      state: stateOf(rec, phase.id, input, lastBeat),
      session: rec?.session ?? null,
      // The relay history, oldest first: a session id comes once per start (a -> a-2 -> a).
      sessions: records.flatMap((r) => (r.starts ?? [r.started_at]).map((at) => [at, r.session] as const)).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([, s]) => s),
      task: phase.task,
      progress: rec?.progress ?? 0,
      message: rec?.message ?? null,
      errors: rec?.errors ?? 0,
      last_error: rec?.last_error ?? null,
      started_at: rec?.started_at ?? null,
      last_heartbeat: lastBeat,
      completed_at: rec?.completed_at ?? null,
      output_files: rec?.output_files ?? [],
      metadata: rec?.metadata ?? {},
      branch: `parallel/${phase.id}`,
      tip: branch?.tip ?? null,
      worktree: wt?.path ?? rec?.worktree ?? null,
      commits: branch?.commits ?? 0,
      files_changed: branch?.files_changed ?? 0,
      checklist: phase.checklist.map((item, index) => ({ index: index + 1, text: item.text, done: ticks.get(index)?.done ?? false, ...(item.verify ? { verify: item.verify } : {}) })),
      review: null,
      reviews: phase.reviews ?? null,
      needs: [...phase.needs],
      handoff,
      ...waitingFields(rec),
      agent: rec?.agent ? { name: rec.agent.name, session: rec.agent.session } : null,
      missing: null,
    };
  });
  for (const row of rows) {
    if (row.state !== 'missing') continue;
    const gone = input.missingBranches?.get(row.id);
    row.missing = gone
      ? { reason: 'branch', head: gone.head, head_branch: gone.headBranch, fix: missingBranchFix(row.id, gone) }
      : { reason: 'worktree', head: null, head_branch: null, fix: `parallel prune   (then "parallel start ${row.id}" to work on it again)` };
  }
  for (const row of rows) {
    if (row.state !== 'waiting') {
      row.waiting_reason = null;
      row.waiting = null;
    }
  }
  // A verdict applies to the reviewed phase's tip at review time; a later commit makes it stale.
  const tips = new Map(rows.map((r) => [r.id, r.tip]));
  for (const row of rows) {
    if (!row.reviews) continue;
    const rec = currentRecord(byPhase.get(row.id) ?? []);
    const v = rec?.review;
    if (v && v.reviews === row.reviews) row.review = { ...v, stale: tips.get(v.reviews) !== v.tip };
  }
  return rows;
}

export function countStates(rows: readonly PhaseRow[]): Counts {
  const counts = Object.fromEntries([['total', rows.length], ...PHASE_STATES.map((s) => [s, 0])]) as Counts;
  for (const r of rows) counts[r.state] += 1;
  return counts;
}

/** Phases whose agent waits for a person: `--wait` returns for them (exit 5). */
export function waitingRows(rows: readonly PhaseRow[]): PhaseRow[] {
  return rows.filter((r) => r.state === 'waiting');
}

/** `--wait` is over when no started phase is running or stale. */
export function waitIsOver(rows: readonly PhaseRow[]): boolean {
  return !rows.some((r) => r.state === 'running' || r.state === 'stale');
}

/** `--wait`'s verdict: something failed or timed out. */
export function anyFailed(rows: readonly PhaseRow[]): boolean {
  return rows.some((r) => r.state === 'failed' || r.state === 'timed_out' || r.state === 'missing');
}

/** Each reviewed phase's verdicts (current sessions of its reviewer phases), for integrate. */
export function reviewsByPhase(rows: readonly PhaseRow[]): Map<PhaseId, { reviewer: PhaseId; verdict: 'approve' | 'reject'; tip: string; message: string; stale: boolean }[]> {
  const map = new Map<PhaseId, { reviewer: PhaseId; verdict: 'approve' | 'reject'; tip: string; message: string; stale: boolean }[]>();
  for (const r of rows) {
    if (!r.review) continue;
    const list = map.get(r.review.reviews) ?? [];
    list.push({ reviewer: r.id, verdict: r.review.verdict, tip: r.review.tip, message: r.review.message, stale: r.review.stale });
    map.set(r.review.reviews, list);
  }
  return map;
}
