/**
 * From a phase worktree, `git -c core.hooksPath=/dev/null update-ref refs/notes/parallel <commit>`
 * passes every hook and puts every session's status out of sight (status shows all phases
 * pending). The events are still in the object store and the ref's reflog names them: doctor
 * reports it (exit 1) with the compare-and-swap that puts the ref back, and is quiet after it.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fixture, letterPhases, planYaml } from './integrate-fixture.js';
import { noteWritten } from '../helpers/repo.js';

describe('the coordination ref rewound past the hooks', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'rewound', phases: letterPhases(2) }));
    f.start('alpha', 'beta');
    noteWritten(f.repo, f.work('alpha', { 'alpha/a': 'a\n' }));
  });
  afterAll(() => f.cleanup());

  it('a store write that lands while doctor reads is not a rewind (the reflog is newer than the tip it read)', () => {
    // doctor read the tip, then a heartbeat wrote: emulated by a ref file one write behind its reflog.
    const t0 = f.rev('refs/notes/parallel')!;
    expect(f.repo.parallel(['heartbeat', '-m', 'meanwhile'], { cwd: f.worktree('beta') }).code).toBe(0);
    const t1 = f.rev('refs/notes/parallel')!;
    expect(t1).not.toBe(t0);
    const refFile = join(f.repo.dir, '.git', 'refs', 'notes', 'parallel');
    writeFileSync(refFile, `${t0}\n`);
    try {
      const d = f.repo.parallel(['doctor']);
      expect(d.stdout).not.toContain('which does not hold its earlier value');
    } finally {
      writeFileSync(refFile, `${t1}\n`);
    }
  });

  it('doctor names the lost store tip and the fix; after the fix status sees the phases again', () => {
    const before = f.rev('refs/notes/parallel')!;
    const main = f.rev('main')!;
    f.repo.git(['-c', 'core.hooksPath=/dev/null', 'update-ref', 'refs/notes/parallel', main], { cwd: f.worktree('alpha') });
    expect(f.repo.json<{ counts: { pending: number } }>(['status']).data.counts.pending).toBe(2);
    const d = f.repo.parallel(['doctor']);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain(`refs/notes/parallel was moved to ${main.slice(0, 12)}, which does not hold its earlier value ${before.slice(0, 12)}`);
    const fix = /fix: (git update-ref refs\/notes\/parallel \S+ \S+)/.exec(d.stdout)![1]!;
    expect(fix).toBe(`git update-ref refs/notes/parallel ${before} ${main}`);
    expect(spawnSync('sh', ['-c', fix], { cwd: f.repo.dir, env: f.repo.env }).status).toBe(0);
    expect(f.repo.json<{ counts: { running: number } }>(['status']).data.counts.running).toBe(2);
    const again = f.repo.parallel(['doctor']);
    expect(again.stdout).toMatch(/^ok +coordination:/m);
  });
});
