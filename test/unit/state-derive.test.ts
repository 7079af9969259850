/**
 * Phase states from plain data: the record fold, SPEC's precedence, counts that add up, relays,
 * reviews bound to tips, and the merge helpers sync relies on.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent, foldEvents } from '../../src/store/record.js';
import { derivePhaseStates, countStates, waitIsOver, anyFailed, reviewsByPhase, type PhaseStateInput } from '../../src/core/phase-state.js';
import { chunkSession, unionNote } from '../../src/store/merge.js';
import { DEFAULT_TIMEOUTS, type Phase, type Plan } from '../../src/core/plan.js';
import type { SessionRecord, StatusEvent } from '../../src/store/types.js';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const iso = (min: number) => new Date(T0 + min * 60_000).toISOString();
let n = 0;
function ev(type: StatusEvent['type'], phase: string, min: number, extra: Partial<StatusEvent> = {}): StatusEvent {
  n += 1;
  return { at: iso(min), id: `e${String(n).padStart(4, '0')}`, type, workspace: 'w', phase, session: phase, ...extra };
}

function phase(id: string, extra: Partial<Phase> = {}): Phase {
  return { id, index: 0, task: `task ${id}`, owns: [], exclude: [], needs: [], criteria: [], checklist: [], ...extra };
}

const plan: Pick<Plan, 'phases' | 'timeouts'> = {
  phases: [phase('a', { checklist: [{ text: 'one' }, { text: 'two', verify: 'true' }] }), phase('b', { needs: ['a'] }), phase('r', { reviews: 'a' })],
  timeouts: { ...DEFAULT_TIMEOUTS, heartbeat: 5 * 60_000, session: 60 * 60_000 },
};

function input(records: SessionRecord[], over: Partial<PhaseStateInput> = {}): PhaseStateInput {
  return { plan, records, now: T0 + 10 * 60_000, branches: new Map(), integrated: new Set(), worktrees: new Map(), ...over };
}

describe('the record fold', () => {
  it('tracks progress, errors, ticks, done; ignores heartbeats after done', () => {
    const rec = foldEvents([
      ev('start', 'a', 0),
      ev('heartbeat', 'a', 1, { progress: 40, message: 'half' }),
      ev('error', 'a', 2, { message: 'oops' }),
      ev('task', 'a', 3, { item: 0 }),
      ev('done', 'a', 4, { message: 'finished', output_files: ['x'] }),
      ev('heartbeat', 'a', 5, { progress: 10, message: 'late' }),
    ])!;
    expect(rec).toMatchObject({ state: 'done', progress: 100, message: 'finished', errors: 1, output_files: ['x'], seq: 6, last_heartbeat: iso(3), completed_at: iso(4) });
    expect(rec.tasks['0']).toMatchObject({ done: true });
    expect(rec.last_error).toEqual({ at: iso(2), message: 'oops' });
  });

  it('is the same whatever order the events arrive in', () => {
    const evs = [ev('start', 'a', 0), ev('heartbeat', 'a', 1, { progress: 10 }), ev('task', 'a', 2, { item: 1 }), ev('task', 'a', 3, { item: 1, undo: true }), ev('fail', 'a', 4, { message: 'no' })];
    expect(foldEvents([...evs].reverse())).toEqual(foldEvents(evs));
    let step: SessionRecord | undefined;
    for (const e of evs) step = applyEvent(step, e);
    expect(step).toEqual(foldEvents(evs));
  });

  it('a new start reopens a finished session', () => {
    const rec = foldEvents([ev('start', 'a', 0), ev('fail', 'a', 1, { message: 'x' }), ev('start', 'a', 2)])!;
    expect(rec).toMatchObject({ state: 'running', started_at: iso(2) });
    expect(rec.completed_at).toBeUndefined();
  });
});

describe('derivePhaseStates', () => {
  const running = foldEvents([ev('start', 'a', 0), ev('heartbeat', 'a', 9, { progress: 50 })])!;

  it('gives pending, running, stale and timed_out by the reader\'s clock', () => {
    expect(derivePhaseStates(input([running])).map((r) => r.state)).toEqual(['running', 'pending', 'pending']);
    expect(derivePhaseStates(input([running], { now: T0 + 20 * 60_000 }))[0]!.state).toBe('stale');
    expect(derivePhaseStates(input([running], { now: T0 + 20 * 60_000, heartbeatTimeout: 30 * 60_000 }))[0]!.state).toBe('running');
    expect(derivePhaseStates(input([running], { now: T0 + 61 * 60_000 }))[0]!.state).toBe('timed_out');
    expect(derivePhaseStates(input([running], { sessionTimeout: 60_000 }))[0]!.state).toBe('timed_out');
  });

  it('a heartbeat dated further ahead than the timeout (a clock that is wrong) makes no phase alive', () => {
    const ahead = foldEvents([ev('start', 'a', 0), ev('heartbeat', 'a', 60 * 24 * 365)])!;
    expect(derivePhaseStates(input([ahead], { sessionTimeout: 10 * 365 * 86_400_000 }))[0]!.state).toBe('stale');
    // A little skew (within the timeout) is no reason to call it stale.
    const skewed = foldEvents([ev('start', 'a', 0), ev('heartbeat', 'a', 12)])!;
    expect(derivePhaseStates(input([skewed]))[0]!.state).toBe('running');
  });

  it('puts missing above timed_out and stale, only for a running phase', () => {
    const worktrees = new Map([['a', { path: '/x', exists: false }]]);
    expect(derivePhaseStates(input([running], { now: T0 + 61 * 60_000, worktrees }))[0]!.state).toBe('missing');
    const done = foldEvents([ev('start', 'a', 0), ev('done', 'a', 1)])!;
    expect(derivePhaseStates(input([done], { worktrees }))[0]!.state).toBe('done');
  });

  it('a commit on the branch counts as a heartbeat', () => {
    const branches = new Map([['a', { tip: 'abc', commits: 3, files_changed: 2, last_commit_at: iso(18) }]]);
    const row = derivePhaseStates(input([running], { now: T0 + 20 * 60_000, branches }))[0]!;
    expect(row).toMatchObject({ state: 'running', commits: 3, files_changed: 2, tip: 'abc', last_heartbeat: iso(18) });
  });

  it('done becomes integrated from refs; counts add up', () => {
    const done = foldEvents([ev('start', 'a', 0), ev('done', 'a', 1)])!;
    const failed = foldEvents([ev('start', 'b', 0), ev('fail', 'b', 1)])!;
    const rows = derivePhaseStates(input([done, failed], { integrated: new Set(['a']) }));
    expect(rows.map((r) => r.state)).toEqual(['integrated', 'failed', 'pending']);
    const counts = countStates(rows);
    expect(counts).toMatchObject({ total: 3, integrated: 1, failed: 1, pending: 1, running: 0 });
    expect(Object.entries(counts).filter(([k]) => k !== 'total').reduce((s, [, v]) => s + v, 0)).toBe(3);
    expect(waitIsOver(rows)).toBe(true);
    expect(anyFailed(rows)).toBe(true);
  });

  it('follows the session started last in a relay, keeping ticks and the handoff', () => {
    const first = foldEvents([ev('start', 'a', 0), ev('task', 'a', 1, { item: 0 }), ev('handoff', 'a', 2, { message: 'left: two' }), ev('fail', 'a', 3)])!;
    const second = foldEvents([{ ...ev('start', 'a', 4), session: 'a-2' }])!;
    const row = derivePhaseStates(input([second, first], { now: T0 + 6 * 60_000 }))[0]!;
    expect(row).toMatchObject({ state: 'running', session: 'a-2', sessions: ['a', 'a-2'], handoff: { message: 'left: two' } });
    expect(row.checklist.map((c) => c.done)).toEqual([true, false]);
  });

  it('binds a review to the reviewed tip; a new tip makes it stale', () => {
    const review = foldEvents([{ ...ev('start', 'r', 0) }, ev('review', 'r', 1, { verdict: 'approve', reviews: 'a', tip: 'tip1', message: 'ok' })])!;
    const at = (tip: string) => derivePhaseStates(input([running, review], { branches: new Map([['a', { tip, commits: 1, files_changed: 1 }]]) }));
    expect(at('tip1')[2]!.review).toMatchObject({ verdict: 'approve', tip: 'tip1', stale: false });
    expect(at('tip2')[2]!.review).toMatchObject({ stale: true });
    expect(reviewsByPhase(at('tip1')).get('a')).toEqual([{ reviewer: 'r', verdict: 'approve', tip: 'tip1', message: 'ok', stale: false }]);
  });
});

describe('merge helpers', () => {
  it('re-chunks a session deterministically and folds its record', () => {
    const evs = Array.from({ length: 70 }, (_, i) => ev('heartbeat', 'a', i, { progress: i }));
    const ops = chunkSession('a', 'a', [...evs].reverse());
    const paths = ops.map((o) => ('path' in o ? o.path : ''));
    expect(paths).toEqual([`events/a/a/${evs[0]!.id}.jsonl`, `events/a/a/${evs[32]!.id}.jsonl`, 'events/a/a/open.jsonl', 'sessions/a/a.json']);
    const rec = JSON.parse((ops[3] as { content: string }).content) as SessionRecord;
    expect(rec).toMatchObject({ seq: 70, progress: 69 });
    expect(chunkSession('a', 'a', evs)).toEqual(ops);
  });

  it('unions note lines', () => {
    expect(unionNote('phase: a\n', 'phase: a\nmessage: x\n')).toBe('phase: a\nmessage: x\n');
    expect(unionNote('phase: a\n', 'phase: a\n')).toBe('phase: a\n');
  });
});
