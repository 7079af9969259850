/**
 * The `waiting` state from plain data: agent events fold into the record, SPEC's precedence
 * (missing > timed_out > waiting > stale > running), counts, and the dashboard's marker.
 */
import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../src/store/record.js';
import { derivePhaseStates, countStates, waitingRows, type PhaseStateInput } from '../../src/core/phase-state.js';
import { renderDashboard } from '../../src/core/dashboard.js';
import { DEFAULT_TIMEOUTS, type Phase, type Plan } from '../../src/core/plan.js';
import type { SessionRecord, StatusEvent } from '../../src/store/types.js';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const iso = (min: number) => new Date(T0 + min * 60_000).toISOString();
let n = 0;
function ev(type: StatusEvent['type'], min: number, extra: Partial<StatusEvent> = {}): StatusEvent {
  n += 1;
  return { at: iso(min), id: `e${String(n).padStart(4, '0')}`, type, workspace: 'w', phase: 'a', session: 'a', ...extra };
}
function phase(id: string): Phase {
  return { id, index: 0, task: `task ${id}`, owns: [], exclude: [], needs: [], criteria: [], checklist: [] };
}
const plan: Pick<Plan, 'phases' | 'timeouts'> = { phases: [phase('a')], timeouts: { ...DEFAULT_TIMEOUTS, heartbeat: 5 * 60_000, session: 60 * 60_000 } };
function rows(events: StatusEvent[], over: Partial<PhaseStateInput> = {}) {
  const rec = foldEvents(events) as SessionRecord;
  return derivePhaseStates({ plan, records: [rec], now: T0 + 10 * 60_000, branches: new Map(), integrated: new Set(), worktrees: new Map(), ...over });
}

describe('waiting', () => {
  it('a Stop makes the phase waiting (idle) with its message; the next tool call makes it running', () => {
    const w = rows([ev('start', 0), ev('attach', 1, { agent: 'claude', agent_session: 's-1' }), ev('waiting', 9, { reason: 'idle', message: 'Done for now' })]);
    expect(w[0]).toMatchObject({ state: 'waiting', waiting_reason: 'idle', waiting: { reason: 'idle', message: 'Done for now', since: iso(9) }, agent: { name: 'claude', session: 's-1' } });
    expect(countStates(w)).toMatchObject({ total: 1, waiting: 1, running: 0 });
    expect(waitingRows(w).map((r) => r.id)).toEqual(['a']);
    const r = rows([ev('start', 0), ev('waiting', 8, { reason: 'permission', message: 'Bash' }), ev('heartbeat', 9)]);
    expect(r[0]).toMatchObject({ state: 'running', waiting_reason: null, waiting: null });
  });

  it('an exit without done is waiting (exited) at once, not stale five minutes later', () => {
    const w = rows([ev('start', 0), ev('exited', 9)]);
    expect(w[0]).toMatchObject({ state: 'waiting', waiting_reason: 'exited' });
  });

  it('precedence: missing > timed_out > waiting > stale', () => {
    const events = [ev('start', 0), ev('waiting', 1, { reason: 'idle' })];
    // stale by heartbeat age, but waiting wins
    expect(rows(events)[0]!.state).toBe('waiting');
    expect(rows(events, { now: T0 + 61 * 60_000 })[0]!.state).toBe('timed_out');
    expect(rows(events, { worktrees: new Map([['a', { path: '/x', exists: false }]]) })[0]!.state).toBe('missing');
    expect(rows([ev('start', 0), ev('waiting', 1, { reason: 'idle' }), ev('done', 2)])[0]).toMatchObject({ state: 'done', waiting_reason: null });
  });

  it('the dashboard marks it [?] with the reason and the counts line says Waiting N', () => {
    const w = rows([ev('start', 0), ev('waiting', 7, { reason: 'permission', message: 'Bash needs approval' })]);
    const text = renderDashboard({ name: 'p', base: 'main', rows: w, counts: countStates(w), waves: 1, now: T0 + 10 * 60_000, color: undefined } as never);
    expect(text).toMatch(/\[\?\] a .*WAITING \(permission\) for 3m.*Bash needs app/);
    expect(text).toContain('Waiting 1');
  });
});
