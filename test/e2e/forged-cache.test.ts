/**
 * The caches under `<common dir>/parallel/cache/` are writable by every session (they live in
 * the shared git dir). The hooks may trust them (a session can skip its hooks anyway), but the
 * commands that judge work for base must not: a session that rewrites `hook-state` to name
 * another plan blob, or rewrites the parsed plan of base's real blob, would otherwise widen its
 * own ownership and swap the test command, and integrate would land its foreign commit on base.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, letterPhases, planYaml } from './integrate-fixture.js';

describe('forged caches in the common git dir', () => {
  let f: Fixture;
  let bad: string;
  const cache = () => join(f.repo.dir, '.git', 'parallel', 'cache');
  beforeEach(() => {
    f = new Fixture(planYaml({ name: 'forged', test: 'test ! -e beta/taken', phases: letterPhases(2) }));
    f.start('alpha', 'beta');
    f.work('alpha', { 'alpha/a': 'a\n' });
    bad = f.work('alpha', { 'beta/taken': 'not alpha\n' }, 'hooks off', true);
    f.done('alpha');
    // A commit in the phase worktree leaves the hooks' cached state behind.
    f.work('beta', { 'beta/b': 'b\n' });
  });
  afterEach(() => f.cleanup());

  function expectRefused(): void {
    const v = f.repo.parallel(['verify', 'alpha']);
    expect(v.code, v.stdout + v.stderr).toBe(1);
    expect(v.stdout).toContain(`${bad.slice(0, 12)}  beta/taken (owned by beta)`);
    const before = f.rev('main');
    const r = f.integrate(['--land']);
    expect(r.code).toBe(1);
    expect(r.data.skipped).toContainEqual(expect.objectContaining({ id: 'alpha', reason: 'violation' }));
    expect(f.rev('main')).toBe(before);
    expect(f.show('main', 'beta/taken')).toBeNull();
  }

  it('hook-state naming a plan blob that is not on base changes nothing verify and integrate judge', () => {
    const state = join(cache(), 'hook-state');
    const text = readFileSync(state, 'utf8');
    expect(text).toMatch(/^pl_blob='[0-9a-f]{40}'$/m);
    const evil = f.show('main', '.parallel.yml')!
      .replace("test: 'test ! -e beta/taken'", "test: 'true'")
      .replace(/owns: \[alpha\/\]/, 'owns: [alpha/, beta/taken]');
    expect(evil).toContain('beta/taken');
    const blob = f.repo.git(['hash-object', '-w', '--stdin'], { input: evil }).stdout.trim();
    writeFileSync(state, text.replace(/^pl_blob='[0-9a-f]{40}'$/m, `pl_blob='${blob}'`));
    expectRefused();
  });

  it("a rewritten parsed plan of base's own blob changes nothing verify and integrate judge", () => {
    const name = readdirSync(cache()).find((n) => /^plan-[0-9a-f]{40}\.json$/.test(n))!;
    expect(name).toBeDefined();
    const file = join(cache(), name);
    const plan = JSON.parse(readFileSync(file, 'utf8')) as { test: string; phases: { id: string; owns: string[] }[] };
    plan.test = 'true';
    plan.phases.find((p) => p.id === 'alpha')!.owns.push('beta/taken');
    writeFileSync(file, JSON.stringify(plan));
    expectRefused();
  });
});
