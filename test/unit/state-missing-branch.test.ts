/**
 * A phase whose branch is gone (renamed or deleted from its worktree) from plain data: the state
 * (`missing` while running and while done but not integrated, with SPEC's precedence), what the
 * row says is missing, and the fix text the dashboard, verify, doctor and integrate print.
 */
import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../src/store/record.js';
import { derivePhaseStates, type PhaseStateInput } from '../../src/core/phase-state.js';
import { describeMissingBranch, missingBranchFix, type MissingBranchFacts } from '../../src/core/missing-branch.js';
import { renderDashboard } from '../../src/core/dashboard.js';
import { countStates } from '../../src/core/phase-state.js';
import { DEFAULT_TIMEOUTS, type Phase, type Plan } from '../../src/core/plan.js';
import type { SessionRecord, StatusEvent } from '../../src/store/types.js';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const iso = (min: number) => new Date(T0 + min * 60_000).toISOString();
const ev = (type: StatusEvent['type'], phase: string, min: number): StatusEvent => ({ at: iso(min), id: `${phase}-${type}-${min}`, type, workspace: 'w', phase, session: phase });
const phase = (id: string): Phase => ({ id, index: 0, task: `task ${id}`, owns: [], exclude: [], needs: [], criteria: [], checklist: [] });
const plan: Pick<Plan, 'phases' | 'timeouts'> = { phases: [phase('a'), phase('b'), phase('c')], timeouts: { ...DEFAULT_TIMEOUTS, session: 60 * 60_000 } };
const HEAD = 'f'.repeat(40);

function input(records: SessionRecord[], missingBranches: Map<string, MissingBranchFacts>, over: Partial<PhaseStateInput> = {}): PhaseStateInput {
  return { plan, records, now: T0 + 10 * 60_000, branches: new Map(), integrated: new Set(), worktrees: new Map(), missingBranches, ...over };
}

describe('a phase whose branch is gone', () => {
  const running = foldEvents([ev('start', 'a', 0)])!;
  const done = foldEvents([ev('start', 'b', 0), ev('done', 'b', 1)])!;
  const failed = foldEvents([ev('start', 'c', 0), ev('fail', 'c', 1)])!;
  const gone = (id: string, f: Partial<MissingBranchFacts> = {}) => [id, { worktree: `/w/${id}`, head: HEAD, headBranch: 'other', ...f }] as const;

  it('is missing while running and while done, never when failed; the row says what and how to fix it', () => {
    const rows = derivePhaseStates(input([running, done, failed], new Map([gone('a'), gone('b', { headBranch: null }), gone('c')])));
    expect(rows.map((r) => r.state)).toEqual(['missing', 'missing', 'failed']);
    expect(rows[0]!.missing).toEqual({ reason: 'branch', head: HEAD, head_branch: 'other', fix: `git branch parallel/a ${HEAD}   (then, in /w/a: git switch parallel/a)` });
    expect(rows[1]!.missing).toMatchObject({ reason: 'branch', head_branch: null });
    expect(rows[2]!.missing).toBeNull();
  });

  it('wins over timed_out (missing > timed_out), and integrated wins over it for a done phase', () => {
    const late = input([running, done], new Map([gone('a'), gone('b')]), { now: T0 + 120 * 60_000, integrated: new Set(['b']) });
    expect(derivePhaseStates(late).map((r) => r.state)).toEqual(['missing', 'integrated', 'pending']);
  });

  it('a deleted worktree is missing for its own reason, with prune as the fix', () => {
    const rows = derivePhaseStates(input([running], new Map(), { worktrees: new Map([['a', { path: '/w/a', exists: false }]]) }));
    expect(rows[0]).toMatchObject({ state: 'missing', missing: { reason: 'worktree', head: null, fix: expect.stringContaining('parallel prune') } });
  });

  it('says where the work is, and asks for the commit when there is no worktree', () => {
    expect(describeMissingBranch('a', { worktree: '/w/a', head: HEAD, headBranch: 'x' })).toBe(`its branch parallel/a is missing; its worktree /w/a is on branch x at ${HEAD.slice(0, 12)}`);
    expect(describeMissingBranch('a', { worktree: '/w/a', head: HEAD, headBranch: null }, 7)).toBe(`its branch parallel/a is missing; its worktree /w/a is on a detached HEAD at ${HEAD.slice(0, 7)}`);
    expect(describeMissingBranch('a', { worktree: null, head: null, headBranch: null })).toBe('its branch parallel/a is missing, and so is its worktree');
    expect(missingBranchFix('a', { worktree: null, head: null, headBranch: null })).toMatch(/^git branch parallel\/a <commit> .*git reflog/);
  });

  it('the dashboard marks it and prints the fix under it', () => {
    const rows = derivePhaseStates(input([running], new Map([gone('a')])));
    const text = renderDashboard({ name: 'w', base: 'main', waves: 1, rows, counts: countStates(rows), now: T0 });
    expect(text).toMatch(/\[M\] a .*MISSING: branch deleted or renamed/);
    expect(text).toContain(`      fix: git branch parallel/a ${HEAD}`);
    expect(text).toContain('Missing 1');
  });
});
