import { describe, expect, it } from 'vitest';
import { planIntegration, dropWithDependents, anyFailing, type PhaseFacts, type ReviewVerdict } from '../../src/integrate/plan-steps.js';
import type { Phase } from '../../src/core/plan.js';

function phase(id: string, index: number, extra: Partial<Phase> = {}): Phase {
  return { id, index, task: id, owns: [`src/${id}/`], exclude: [], needs: [], criteria: [], checklist: [], ...extra };
}

// schema <- auth, schema <- dashboard, auth+dashboard <- billing; review-auth reviews auth.
const PHASES: Phase[] = [
  phase('billing', 0, { needs: ['auth', 'dashboard'] }),
  phase('schema', 1),
  phase('auth', 2, { needs: ['schema'] }),
  phase('dashboard', 3, { needs: ['schema'] }),
  phase('review-auth', 4, { owns: [], reviews: 'auth' }),
];

function facts(over: Record<string, Partial<PhaseFacts>> = {}): Map<string, PhaseFacts> {
  const m = new Map<string, PhaseFacts>();
  for (const p of PHASES) m.set(p.id, { id: p.id, state: 'done', session: p.id, tip: `${p.id}000000`, violations: [], ...over[p.id] });
  return m;
}

const approved = new Map<string, ReviewVerdict[]>([['auth', [{ reviewer: 'review-auth', verdict: 'approve', tip: 'auth000000' }]]]);

describe('planIntegration', () => {
  it('orders by needs with ties in declaration order, and leaves reviewer phases out', () => {
    const p = planIntegration({ phases: PHASES, facts: facts(), reviews: approved });
    expect(p.order).toEqual(['schema', 'auth', 'dashboard', 'billing']);
    expect(p.merge.map((m) => m.id)).toEqual(['schema', 'auth', 'dashboard', 'billing']);
    expect(p.merge[1]).toEqual({ id: 'auth', session: 'auth', tip: 'auth000000' });
    expect(p.skipped).toEqual([]);
  });

  it('lists phases not done without failing, and skips their dependents without failing', () => {
    const p = planIntegration({ phases: PHASES, facts: facts({ dashboard: { state: 'running' } }), reviews: approved });
    expect(p.merge.map((m) => m.id)).toEqual(['schema', 'auth']);
    expect(p.skipped).toEqual([
      { id: 'dashboard', reason: 'not_done', detail: 'it is running', fails: false },
      { id: 'billing', reason: 'needs', detail: 'needs dashboard (it is running)', fails: false },
    ]);
    expect(anyFailing(p.skipped)).toBe(false);
  });

  it('leaves out a phase whose branch is missing, saying where its work is; failing only when it was done', () => {
    const detail = 'its branch parallel/dashboard is missing (deleted or renamed from its worktree); fix: git branch parallel/dashboard abc';
    const done = planIntegration({ phases: PHASES, facts: facts({ dashboard: { state: 'missing', tip: undefined, missingBranch: { detail, done: true } } }), reviews: approved });
    expect(done.merge.map((m) => m.id)).toEqual(['schema', 'auth']);
    expect(done.skipped).toEqual([
      { id: 'dashboard', reason: 'not_done', detail, fails: true },
      { id: 'billing', reason: 'needs', detail: `needs dashboard (${detail})`, fails: true },
    ]);
    const running = planIntegration({ phases: PHASES, facts: facts({ dashboard: { state: 'missing', tip: undefined, missingBranch: { detail, done: false } } }), reviews: approved });
    expect(anyFailing(running.skipped)).toBe(false);
  });

  it('skips a phase whose review is missing, rejected or stale, and fails', () => {
    const none = planIntegration({ phases: PHASES, facts: facts(), reviews: new Map() });
    expect(none.skipped[0]).toMatchObject({ id: 'auth', reason: 'review', detail: 'review-auth has not reviewed it yet', fails: true });
    expect(none.skipped[1]).toMatchObject({ id: 'billing', reason: 'needs', fails: true });
    const stale = planIntegration({ phases: PHASES, facts: facts({ auth: { tip: 'bbbbbbbbbb' } }), reviews: approved });
    expect(stale.skipped[0]!.detail).toMatch(/approval is for auth000, but the tip is now bbbbbbb \(stale review/);
    const rejected = planIntegration({ phases: PHASES, facts: facts(), reviews: new Map([['auth', [{ reviewer: 'review-auth', verdict: 'reject' as const, tip: 'auth000000', message: 'secrets' }]]]) });
    expect(rejected.skipped[0]!.detail).toBe('review-auth rejected it: secrets');
  });

  it('skips a phase with ownership violations and its dependents', () => {
    const p = planIntegration({
      phases: PHASES,
      facts: facts({ schema: { violations: [{ commit: 'abcdef12345', path: 'src/auth/x', owner: 'auth' }] } }),
      reviews: approved,
    });
    expect(p.merge).toEqual([]);
    expect(p.skipped[0]).toMatchObject({ id: 'schema', reason: 'violation', fails: true });
    expect(p.skipped[0]!.detail).toContain('abcdef1 changes src/auth/x (owned by auth)');
    expect(p.skipped.map((s) => `${s.id}:${s.reason}`)).toEqual(['schema:violation', 'auth:needs', 'dashboard:needs', 'billing:needs']);
  });

  it('treats already integrated phases as met needs and does not merge them again', () => {
    const p = planIntegration({ phases: PHASES, facts: facts({ schema: { integrated: 'content' }, auth: { state: 'integrated', integrated: 'ancestry' } }), reviews: approved });
    expect(p.already).toEqual([{ id: 'schema', how: 'content' }, { id: 'auth', how: 'ancestry' }]);
    expect(p.merge.map((m) => m.id)).toEqual(['dashboard', 'billing']);
  });

  it('does not merge a done phase whose branch is gone', () => {
    const p = planIntegration({ phases: PHASES, facts: facts({ dashboard: { tip: undefined } }), reviews: approved });
    expect(p.skipped[0]).toMatchObject({ id: 'dashboard', reason: 'not_done', detail: 'its branch parallel/dashboard does not exist' });
  });
});

describe('dropWithDependents', () => {
  it('drops the phase and what depends on it, keeping independent phases in order', () => {
    const list = [{ id: 'schema' }, { id: 'auth' }, { id: 'dashboard' }, { id: 'billing' }];
    const r = dropWithDependents(PHASES, list, 'auth', 'red', 'turns the tests red');
    expect(r.remaining.map((x) => x.id)).toEqual(['schema', 'dashboard']);
    expect(r.skipped).toEqual([
      { id: 'auth', reason: 'red', detail: 'turns the tests red', fails: true },
      { id: 'billing', reason: 'needs', detail: 'needs auth (skipped: red)', fails: true },
    ]);
  });
});
