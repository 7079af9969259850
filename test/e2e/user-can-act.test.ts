/**
 * Things a user can fix get a one-paragraph error with the fix and exit 1 or 2, never "internal
 * error" (exit 70) or a stack trace: an integration branch unrelated to base, a directory where
 * integrate's lock goes, durations past what a timer can wait, a stdout closed early.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../helpers/repo.js';
import { Fixture, letterPhases, planYaml } from './integrate-fixture.js';

const STACK = /\n\s+at .+:\d+:\d+\)?(\n|$)/;

let f: Fixture | undefined;
afterEach(() => {
  f?.cleanup();
  f = undefined;
});

function plan(extra = ''): string {
  return planYaml({ name: 'act', test: 'true', phases: letterPhases(2) }).replace('phases:', `${extra}phases:`);
}

describe('errors the user can act on', () => {
  it('an integration branch with history unrelated to base: exit 1 with the fix, for the run and --dry-run, and no journal left', () => {
    f = new Fixture(plan());
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    // A pre-existing branch of that name with its own history.
    const tree = f.repo.git(['mktree'], { input: '' }).stdout.trim();
    const orphan = f.repo.git(['commit-tree', tree, '-m', 'unrelated'], {}).stdout.trim();
    f.repo.git(['update-ref', 'refs/heads/parallel/integration', orphan]);
    for (const args of [[], ['--dry-run']]) {
      const r = f.repo.parallel(['integrate', ...args]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/where integrate never put it|has a history unrelated to main/);
      expect(r.stderr).toContain('parallel integrate --reset');
      expect(r.stderr).not.toMatch(/internal error|This is a bug/);
      expect(r.stderr).not.toMatch(STACK);
    }
    expect(existsSync(join(f.repo.dir, '.git/parallel/integrate/journal.json'))).toBe(false);
    expect(f.rev('parallel/integration')).toBe(orphan);
    // The fix it names works.
    expect(f.repo.parallel(['integrate', '--reset']).code).toBe(0);
    expect(f.rev('parallel/integration')).toBe(f.rev('main'));
    expect(f.integrate().data.integrated).toEqual(['alpha']);
  });

  it('a directory where the lock file goes: exit 1 naming it; the directory is left where it is', () => {
    f = new Fixture(plan());
    const lock = join(f.repo.dir, '.git/parallel/integrate/lock');
    mkdirSync(lock, { recursive: true });
    const r = f.repo.parallel(['integrate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`parallel: ${lock}, where integrate keeps its lock, is not a file`);
    expect(r.stderr).not.toMatch(/internal error|EISDIR/);
    expect(statSync(lock).isDirectory()).toBe(true);
  });

  it('refuses durations past what a timer can wait, at load time: exit 2 with file:line:col', () => {
    f = new Fixture(plan('timeouts: { test: 597h, session: 24d }\n'));
    const r = f.repo.parallel(['check']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^\.parallel\.yml:5:\d+: "timeouts\.test: 597h" is longer than the 24 days/m);
    expect(r.stderr).not.toContain('timeouts.session');
    const status = f.repo.parallel(['status', '--wait', '--timeout', '30d']);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('parallel: --timeout 30d is longer than the 24 days');
  });

  it('a stdout closed early (status --watch | head -3) ends quietly with the usual exit code', () => {
    f = new Fixture(plan());
    const r = spawnSync('bash', ['-c', `node "${CLI}" status --watch --interval 1s | head -3 >/dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`], {
      cwd: f.repo.dir,
      env: f.repo.env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toMatch(/exit=0\s*$/);
    expect(r.stderr).not.toMatch(/EPIPE|Error|internal/);
  });
});
