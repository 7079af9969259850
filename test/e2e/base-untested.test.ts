/**
 * Base moved onto phase work that integrate never tested: from a phase worktree, `git -c
 * core.hooksPath=/dev/null update-ref refs/heads/main HEAD`. The hooks cannot stop a hook-less
 * write, so verify and doctor name the commits and whose they are, with the compare-and-swap
 * commands that put base back (printed, never run), and integrate refuses to build on it. People's
 * own commits on base (also ones a phase then picked up) are not flagged.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fixture, letterPhases, planYaml } from './integrate-fixture.js';

const OFF = ['-c', 'core.hooksPath=/dev/null'];

interface VerifyJson {
  ok: boolean;
  untested_on_base?: { base: string; tip: string; commits: { commit: string; phase: string }[]; reset_to: string | null; fix: string };
}

describe('base moved onto untested phase work', () => {
  let f: Fixture;
  let u2: string;
  let g1: string;
  let g2: string;
  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'landed', test: 'test -e README.md', phases: letterPhases(3) }));
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    expect(f.integrate(['--land']).code).toBe(0);
  });
  afterAll(() => f.cleanup());

  it("people's commits on base, also ones a phase picked up, are not flagged", () => {
    f.repo.commit({ 'notes/one.md': 'one\n' }, 'a person writes notes');
    f.start('beta');
    u2 = f.repo.commit({ 'notes/two.md': 'two\n' }, 'more notes');
    // beta picks the person's commit up (a fast-forward onto base).
    f.repo.git(['merge', '-q', '--ff-only', 'main'], { cwd: f.worktree('beta') });
    const v = f.repo.parallel(['verify']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).not.toContain('never tested');
    const d = f.repo.parallel(['doctor']);
    expect(d.stdout).toMatch(/^ok +trust:/m);
    expect(f.repo.parallel(['integrate', '--dry-run']).code).toBe(0);
  });

  it('verify names the commits and the phase, with the compare-and-swap reset (exit 1)', () => {
    f.start('gamma');
    g1 = f.work('gamma', { 'gamma/c': 'c\n' });
    g2 = f.work('gamma', { 'beta/taken': 'not gamma\n' }, 'hooks off', true);
    const r = f.repo.git([...OFF, 'update-ref', 'refs/heads/main', 'HEAD'], { cwd: f.worktree('gamma') });
    expect(r.code).toBe(0);
    expect(f.rev('main')).toBe(g2);
    const v = f.repo.parallel(['verify']);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`base main is at ${g2.slice(0, 7)}, which holds 2 commits of phase gamma that integrate never tested (${g2.slice(0, 7)} "hooks off", ${g1.slice(0, 7)} "gamma work")`);
    expect(v.stdout).toContain(`git update-ref refs/heads/main ${u2} ${g2}`);
    const json = f.repo.json<VerifyJson>(['verify']);
    expect(json.code).toBe(1);
    expect(json.data.untested_on_base).toMatchObject({ base: 'main', tip: g2, reset_to: u2, commits: [{ commit: g2, phase: 'gamma' }, { commit: g1, phase: 'gamma' }] });
    // Asked about another phase only, verify judges that one.
    expect(f.repo.parallel(['verify', 'beta']).code).toBe(0);
    expect(f.repo.parallel(['verify', 'gamma']).code).toBe(1);
  });

  it('doctor reports it with the fix (exit 1)', () => {
    const d = f.repo.parallel(['doctor']);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain(`base main is at ${g2.slice(0, 7)}, which holds 2 commits of phase gamma that integrate never tested`);
    expect(d.stdout).toMatch(new RegExp(`fix: git update-ref refs/parallel/saved/base/\\d{8}T\\d{6}Z ${g2} "" && git update-ref refs/heads/main ${u2} ${g2} && git -C '?${f.repo.dir}'? read-tree -m -u ${g2} ${u2}`));
  });

  it('integrate --land refuses to build on it and changes nothing; --dry-run says it would', () => {
    const integration = f.rev('parallel/integration');
    const r = f.repo.parallel(['integrate', '--land']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('which holds 2 commits of phase gamma that integrate never tested');
    expect(r.stderr).toContain('Integrate builds only on tested work, so nothing was changed.');
    expect(f.rev('main')).toBe(g2);
    expect(f.rev('parallel/integration')).toBe(integration);
    const dry = f.repo.parallel(['integrate', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout + dry.stderr).toContain('never tested');
  });

  it('the printed fix puts base back by compare-and-swap, the main worktree follows, and nothing is lost', () => {
    const fix = /fix: (git update-ref refs\/parallel\/saved\/base\/.*?)   \(/.exec(f.repo.parallel(['doctor']).stdout)![1]!;
    const run = spawnSync('sh', ['-c', fix], { cwd: f.repo.dir, env: f.repo.env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(f.rev('main')).toBe(u2);
    expect(f.repo.git(['status', '--porcelain']).stdout).toBe('');
    const saved = f.repo.git(['for-each-ref', '--format=%(objectname)', 'refs/parallel/saved/base/']).stdout.trim();
    expect(saved).toBe(g2);
    expect(f.repo.parallel(['doctor']).stdout).not.toContain('never tested');
    // gamma's commits are its own again, and verify judges them.
    const v = f.repo.json<{ violations: { commit: string; path: string }[] }>(['verify', 'gamma']);
    expect(v.code).toBe(1);
    expect(v.data.violations).toEqual([expect.objectContaining({ commit: g2, path: 'beta/taken' })]);
    // Run again, the same fix is refused by git: base is no longer where it says.
    expect(spawnSync('sh', ['-c', fix.replace(/saved\/base\/\S+/, 'saved/base/again')], { cwd: f.repo.dir, env: f.repo.env }).status).not.toBe(0);
    expect(f.rev('main')).toBe(u2);
  });
});

describe("a coordinator's hand merge of a phase branch", () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'byhand', test: 'test -e README.md', phases: letterPhases(2) }));
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
  });
  afterAll(() => f.cleanup());

  it('is the coordinator\'s decision (git merge in the main worktree): not flagged, and integrate runs', () => {
    f.repo.git(['merge', '-q', '--no-ff', '-m', 'merge alpha by hand', 'parallel/alpha']);
    expect(f.repo.parallel(['verify']).code).toBe(0);
    expect(f.repo.parallel(['doctor']).stdout).toMatch(/^ok +trust:/m);
    const r = f.integrate();
    expect(r.code, r.stderr).toBe(0);
    expect(r.data.already_integrated).toContain('alpha');
  });
});

describe('a commit made on a detached HEAD in a phase worktree with every hook off', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'detached', test: 'test -e README.md', phases: letterPhases(2) }));
    f.start('alpha', 'beta');
  });
  afterAll(() => f.cleanup());

  it('and base moved onto it with a hook-less update-ref is untested phase work for verify, doctor and integrate', () => {
    const cwd = f.worktree('beta');
    const before = f.rev('main')!;
    f.repo.git(['checkout', '-q', '--detach', 'main'], { cwd });
    f.repo.write('alpha/not-beta', 'x\n', cwd);
    f.repo.git(['add', '-A'], { cwd });
    f.repo.git([...OFF, 'commit', '-q', '-m', 'no note, no branch'], { cwd });
    const made = f.repo.git(['rev-parse', 'HEAD'], { cwd }).stdout.trim();
    f.repo.git([...OFF, 'update-ref', 'refs/heads/main', 'HEAD'], { cwd });
    f.repo.git(['checkout', '-q', 'parallel/beta'], { cwd });
    expect(f.rev('main')).toBe(made);
    const v = f.repo.parallel(['verify']);
    expect(v.code, v.stdout + v.stderr).toBe(1);
    expect(v.stdout).toContain(`base main is at ${made.slice(0, 7)}, which holds 1 commit of phase beta that integrate never tested (${made.slice(0, 7)} "no note, no branch")`);
    expect(v.stdout).toContain(`git update-ref refs/heads/main ${before} ${made}`);
    expect(f.repo.parallel(['doctor']).code).toBe(1);
    const r = f.repo.parallel(['integrate', '--land']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('never tested');
    expect(f.rev('parallel/integration')).toBeNull();
  });
});
