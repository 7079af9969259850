import { describe, expect, it } from 'vitest';
import { madeByCommit } from '../../src/core/commit-reflog.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const entry = (from: string, to: string, message: string) => `${from} ${to} Bench <b@example.com> 1765100000 +0000\t${message}\n`;

describe('madeByCommit (which moves of HEAD made a commit, from the reflog)', () => {
  it('takes what git runs post-commit for: commit in every form, cherry-pick, revert, a rebase\'s picks', () => {
    for (const message of ['commit: add x', 'commit (amend): add x', 'commit (initial): root', 'commit (merge): Merge branch', 'commit (cherry-pick): add y', 'cherry-pick: add y',
      'revert: Revert "add y"', 'rebase (pick): add z', 'rebase -i (pick): add z', 'rebase (reword): better', 'rebase (squash): s', 'rebase (fixup): f',
      'pull --rebase (pick): p', 'rebase (continue): resolved']) {
      expect(madeByCommit(entry(A, B, message), B), message).toBe(true);
    }
  });

  it('leaves out moves that make no commit of this session', () => {
    for (const message of ['reset: moving to HEAD~1', 'checkout: moving from main to x', 'merge side: Merge made by the \'ort\' strategy.',
      'pull: Fast-forward', 'rebase (start): checkout main', 'rebase (finish): returning to refs/heads/x', 'rebase: fast-forward', 'branch: Created from HEAD',
      'commit-ish: not a commit', 'update by push']) {
      expect(madeByCommit(entry(A, B, message), B), message).toBe(false);
    }
  });

  it('reads the newest entry that moved to the commit, also when later ones follow it', () => {
    const log = entry(A, B, 'reset: moving to x') + entry(B, C, 'commit: c') + entry(C, B, 'reset: moving to HEAD~1');
    expect(madeByCommit(log, C)).toBe(true);
    expect(madeByCommit(log, B)).toBe(false);
    expect(madeByCommit(log, A)).toBe(false);
    expect(madeByCommit('', B)).toBe(false);
    // The read tail of a long reflog may start in the middle of a line: that line is not misread.
    const cut = entry(A, B, 'commit: b').slice(50) + entry(B, C, 'commit: c');
    expect(madeByCommit(cut, C)).toBe(true);
    expect(madeByCommit(cut, B)).toBe(false);
  });
});
