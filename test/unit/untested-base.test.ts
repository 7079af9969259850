/**
 * The rule for phase work on base that integrate never tested, on plain data: a commit counts
 * when no trusted record reaches it and it carries a phase note or lies on a phase branch since
 * its creation, unless base's reflog says a person's command put it there; and where base should go back to.
 */
import { describe, expect, it } from 'vitest';
import { untestedPhaseWork, type BaseFacts } from '../../src/core/untested-base.js';

// base: T (trusted) <- U1 (a person's) <- P (phase gamma's) <- U2 (a person's, on top)
const chain = [
  { commit: 'U2', parents: ['P'] },
  { commit: 'P', parents: ['U1'] },
  { commit: 'U1', parents: ['T'] },
];
const facts = (over: Partial<BaseFacts> = {}): BaseFacts => ({ untrusted: chain, noted: new Map(), phaseLines: new Map(), movedByPerson: new Set(['U1', 'U2']), ...over });

describe('untested phase work on base', () => {
  it('people\'s own commits on base are not flagged', () => {
    expect(untestedPhaseWork(facts())).toEqual({ commits: [], phases: [], resetTo: null });
    expect(untestedPhaseWork(facts({ untrusted: [] })).commits).toEqual([]);
  });

  it('a commit with a phase note is flagged, and base goes back below it', () => {
    const r = untestedPhaseWork(facts({ noted: new Map([['P', 'gamma']]) }));
    expect(r).toEqual({ commits: [{ commit: 'P', phase: 'gamma' }], phases: ['gamma'], resetTo: 'U1' });
  });

  it('a commit on a phase branch since its creation is flagged with no note (hooks off)', () => {
    const r = untestedPhaseWork(facts({ phaseLines: new Map([['gamma', new Set(['P', 'U1'])]]) }));
    // U1 is on gamma's line (gamma fast-forwarded onto it) but base's reflog says it was committed there.
    expect(r.commits).toEqual([{ commit: 'P', phase: 'gamma' }]);
    expect(r.resetTo).toBe('U1');
  });

  it('a commit a phase worktree\'s HEAD reflog made is flagged with no note and no branch (detached, hooks off)', () => {
    const r = untestedPhaseWork(facts({ madeInPhaseWorktree: new Map([['P', 'gamma'], ['U1', 'gamma']]) }));
    // U1: the person's commit on base wins over a phase worktree that made the same commit id (a fast-forward is no make).
    expect(r).toEqual({ commits: [{ commit: 'P', phase: 'gamma' }], phases: ['gamma'], resetTo: 'U1' });
  });

  it('a person\'s hand merge of phase work is theirs (even with notes); without the reflog entry it is flagged', () => {
    expect(untestedPhaseWork(facts({ noted: new Map([['P', 'gamma']]), movedByPerson: new Set(['U1', 'P', 'U2']) })).commits).toEqual([]);
  });

  it('a person\'s commit picked up by a phase stays unflagged only when base\'s reflog shows it moved there by a person', () => {
    const r = untestedPhaseWork(facts({ movedByPerson: new Set(), phaseLines: new Map([['gamma', new Set(['U1'])]]) }));
    expect(r.commits).toEqual([{ commit: 'U1', phase: 'gamma' }]);
    expect(r.resetTo).toBe('T');
  });

  it('a merge that brings phase work in through its second parent is reset past', () => {
    const merged = [
      { commit: 'M', parents: ['U1', 'P'] },
      { commit: 'U1', parents: ['T'] },
      { commit: 'P', parents: ['T'] },
    ];
    const r = untestedPhaseWork(facts({ untrusted: merged, noted: new Map([['P', 'alpha']]) }));
    expect(r).toEqual({ commits: [{ commit: 'P', phase: 'alpha' }], phases: ['alpha'], resetTo: 'U1' });
  });

  it('names every phase once, in the order met; no clean commit down to the root gives no reset target', () => {
    const root = [
      { commit: 'B', parents: ['A'] },
      { commit: 'A', parents: [] },
    ];
    const r = untestedPhaseWork(facts({ untrusted: root, noted: new Map([['B', 'beta'], ['A', 'alpha']]) }));
    expect(r.phases).toEqual(['beta', 'alpha']);
    expect(r.resetTo).toBeNull();
  });
});
