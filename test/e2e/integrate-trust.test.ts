/**
 * integrate does not depend on the hooks: it trusts the integration branch only at base or at a
 * commit it recorded (in the coordination ref). Work moved there by hand (hooks off) is refused
 * with the commits nobody integrated and `parallel integrate --reset` as the fix; a phase branch
 * fast-forwarded onto such work is judged on all of it; phase work put on base by hand, and a
 * phase branch renamed away and back, are flagged by doctor; a resumed integrate re-checks the
 * phases against base's plan when it changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fixture, letterPhases, planYaml, skippedOf } from './integrate-fixture.js';

const OFF = ['-c', 'core.hooksPath=/dev/null'];
const PLAN = planYaml({ name: 'trust', test: 'test -e README.md', phases: letterPhases(3) });

describe('integrate trusts only what it recorded', () => {
  let f: Fixture;
  let trusted: string;
  beforeAll(() => {
    f = new Fixture(PLAN);
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const r = f.integrate(['--land']);
    expect(r.code, r.stderr).toBe(0);
    trusted = f.rev('parallel/integration')!;
  });
  afterAll(() => f.cleanup());

  it('records the commit it moved the integration branch to in the coordination ref', () => {
    const names = f.repo.git(['ls-tree', '--name-only', '-r', 'refs/notes/parallel', '--', 'integrate/trusted/']).stdout;
    expect(names).toContain(`integrate/trusted/${trusted}`);
  });

  it('refuses a hand-moved integration branch, lands nothing, and --reset puts it back keeping the strays', () => {
    f.start('beta');
    const wt = f.worktree('beta');
    // A careless session on a detached HEAD: another phase's file, hooks off, then update-ref.
    f.repo.git(['switch', '-q', '--detach'], { cwd: wt });
    f.repo.write('alpha/a', 'taken over\n', wt);
    f.repo.git([...OFF, 'commit', '-qam', 'finish the job'], { cwd: wt });
    const stray = f.repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
    f.repo.git([...OFF, 'update-ref', 'refs/heads/parallel/integration', 'HEAD'], { cwd: wt });
    f.repo.git(['switch', '-q', 'parallel/beta'], { cwd: wt });
    const main = f.rev('main');
    const r = f.repo.parallel(['integrate', '--land']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('where integrate never put it: 1 commit on it nobody integrated');
    expect(r.stderr).toContain(stray.slice(0, 7));
    expect(r.stderr).toContain('parallel integrate --reset');
    expect(f.rev('main')).toBe(main);
    const dry = f.repo.parallel(['integrate', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('nobody integrated');
    const doctor = f.repo.parallel(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain('parallel/integration is at');
    expect(doctor.stdout).toContain('fix: parallel integrate --reset');
    const reset = f.repo.parallel(['integrate', '--reset']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(f.rev('parallel/integration')).toBe(trusted);
    const saved = f.repo.git(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/parallel/saved/integration/']).stdout.trim();
    expect(saved).toMatch(new RegExp(`^${stray} refs/parallel/saved/integration/\\d{8}T\\d{6}Z$`));
    expect(f.repo.parallel(['integrate', '--reset']).stdout).toContain('nothing to reset');
    expect(f.repo.parallel(['doctor']).stdout).not.toContain('nobody integrated');
  });

  it("a phase branch fast-forwarded onto such work is judged on all of it, by verify and integrate", () => {
    const wt = f.worktree('beta');
    const stray = f.repo.git(['for-each-ref', '--format=%(objectname)', 'refs/parallel/saved/integration/']).stdout.trim();
    f.repo.git([...OFF, 'merge', '-q', '--ff-only', stray], { cwd: wt });
    f.work('beta', { 'beta/b': 'b\n' });
    const v = f.repo.json<{ violations: { commit: string; path: string }[] }>(['verify', 'beta']);
    expect(v.code).toBe(1);
    expect(v.data.violations).toEqual([expect.objectContaining({ commit: stray, path: 'alpha/a' })]);
    f.done('beta');
    const r = f.integrate(['--land']);
    expect(r.code).toBe(1);
    expect(skippedOf(r.data)).toMatchObject({ beta: 'violation' });
    expect(f.show('main', 'alpha/a')).toBe('a\n');
  });

  it('doctor flags phase work put on base by hand (update-ref from a phase worktree with hooks off)', () => {
    f.start('gamma');
    const wt = f.worktree('gamma');
    f.work('gamma', { 'gamma/c': 'c\n' });
    f.repo.git(['switch', '-q', '--detach'], { cwd: f.repo.dir }); // main is checked out there
    f.repo.git([...OFF, 'update-ref', 'refs/heads/main', 'HEAD'], { cwd: wt });
    f.repo.git(['switch', '-q', 'main'], { cwd: f.repo.dir });
    const doctor = f.repo.parallel(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/base main is at \w+, which holds 1 commit of phase gamma that integrate never tested/);
  });
});

describe('a phase branch renamed away and back (git branch -m runs no hook)', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'rename', test: 'true', phases: letterPhases(2) }));
    f.start('alpha', 'beta');
  });
  afterAll(() => f.cleanup());

  it('verify, integrate and doctor catch it', () => {
    const wt = f.worktree('alpha');
    f.repo.git(['branch', '-m', 'parallel/alpha', 'tmp'], { cwd: wt });
    f.repo.write('beta/x', 'not alpha\n', wt);
    f.repo.git(['add', 'beta/x'], { cwd: wt });
    // The hooks judge a commit on any branch of a phase worktree: made with them off.
    expect(f.repo.git(['commit', '-q', '--no-verify', '-m', 'sneak'], { cwd: wt, env: { PARALLEL: '0' } }).code).toBe(0);
    f.repo.git(['branch', '-m', 'tmp', 'parallel/alpha'], { cwd: wt });
    expect(f.repo.parallel(['verify', 'alpha']).code).toBe(1);
    f.done('alpha');
    const r = f.integrate();
    expect(r.code).toBe(1);
    expect(skippedOf(r.data)).toMatchObject({ alpha: 'violation' });
    const doctor = f.repo.parallel(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain('parallel/alpha was renamed at some point');
    expect(doctor.stdout).toContain('fix: parallel verify alpha');
    const status = f.repo.parallel(['status']);
    expect(status.stdout).toContain('WARNING: parallel/alpha was renamed away and back');
    const json = f.repo.json<{ warnings?: string[] }>(['status']);
    expect(json.data.warnings).toEqual([expect.stringContaining('parallel verify alpha')]);
    expect(f.repo.json<{ warnings?: string[] }>(['status'], { cwd: f.worktree('beta') }).data.warnings?.length).toBe(1);
  });
});

describe('a resumed integrate and a plan changed on base meanwhile', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'resume', test: 'test -e README.md', phases: letterPhases(2) }));
    f.finish({ alpha: { 'alpha/a': 'a\n', 'alpha/secret': 's\n' } });
  });
  afterAll(() => f.cleanup());

  it('refuses to resume when the tightened plan forbids what the job would merge; --abort, then integrate applies it', () => {
    // Killed at its first step (the job is written, nothing merged yet).
    const killed = f.repo.parallel(['integrate', '--land'], { env: { PARALLEL_TEST_KILL_AT: '1' } });
    expect(killed.code).not.toBe(0);
    // The coordinator tightens alpha's ownership on base.
    const tightened = planYaml({ name: 'resume', test: 'test -e README.md', phases: letterPhases(2) }).replace('owns: [alpha/]', 'owns: [alpha/]\n    exclude: [alpha/secret]');
    f.repo.commit({ '.parallel.yml': tightened }, 'alpha may not own the secret');
    const main = f.rev('main');
    const resumed = f.repo.parallel(['integrate', '--land']);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain("main's .parallel.yml changed since this integrate started");
    expect(resumed.stderr).toContain('alpha changes alpha/secret (owned by nobody)');
    expect(resumed.stderr).toContain('parallel integrate --abort');
    expect(f.rev('main')).toBe(main);
    expect(f.repo.parallel(['integrate', '--abort']).code).toBe(0);
    const again = f.integrate(['--land']);
    expect(again.code).toBe(1);
    expect(skippedOf(again.data)).toMatchObject({ alpha: 'violation' });
    expect(f.show('main', 'alpha/secret')).toBeNull();
  });

  it('resumes when the changed plan still allows everything the job merges, and says so', () => {
    f.start('beta');
    f.work('beta', { 'beta/b': 'b\n' });
    f.done('beta');
    const killed = f.repo.parallel(['integrate'], { env: { PARALLEL_TEST_KILL_AT: '1' } });
    expect(killed.code).not.toBe(0);
    f.repo.commit({ '.parallel.yml': f.show('main', '.parallel.yml')!.replace('task: b', 'task: b, reworded') }, 'reword a task');
    const resumed = f.repo.parallel(['integrate']);
    expect(resumed.stderr).toContain('verified against it again and none violates it');
    expect(f.show('parallel/integration', 'beta/b')).toBe('b\n');
  });
});

describe('every clone trusts the same commits', () => {
  let f: Fixture;
  afterAll(() => f.cleanup());

  it("sync's merge of the coordination ref carries the records of both sides", () => {
    f = new Fixture(planYaml({ name: 'clones', test: 'true', phases: letterPhases(1) }));
    const remote = `${f.root}/remote.git`;
    f.repo.git(['init', '-q', '--bare', '-b', 'main', remote]);
    f.repo.git(['remote', 'add', 'origin', remote]);
    f.repo.git(['push', '-q', 'origin', 'main']);
    const clone = `${f.root}/clone`;
    f.repo.git(['clone', '-q', remote, clone]);
    f.repo.git(['config', 'parallel.base', 'main'], { cwd: clone });
    // The clone writes to its coordination ref first, so the two histories diverge.
    expect(f.repo.parallel(['decide', 'clone-side decision'], { cwd: clone }).code).toBe(0);
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    expect(f.integrate().code).toBe(0);
    const head = f.rev('parallel/integration')!;
    expect(f.repo.parallel(['sync']).code).toBe(0);
    // The notes on integrate's merges need their commits in the clone (sync fetches phase branches only).
    f.repo.git(['push', '-q', 'origin', 'parallel/integration']);
    f.repo.git(['fetch', '-q', 'origin', 'parallel/integration:parallel/integration'], { cwd: clone });
    const synced = f.repo.parallel(['sync'], { cwd: clone });
    expect(synced.code, synced.stderr).toBe(0);
    const names = f.repo.git(['ls-tree', '-r', '--name-only', 'refs/notes/parallel', '--', 'integrate/trusted/'], { cwd: clone }).stdout;
    expect(names).toContain(`integrate/trusted/${head}`);
    // With the integration branch fetched there, the clone's doctor trusts it too.
    expect(f.repo.parallel(['doctor'], { cwd: clone }).stdout).toContain(`parallel/integration at ${head.slice(0, 7)} (trusted)`);
  });
});

describe('a replace ref (refs/replace/*, which any session may write)', () => {
  let f: Fixture;
  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'replace', test: 'true', phases: letterPhases(2) }));
    f.start('alpha', 'beta');
  });
  afterAll(() => f.cleanup());

  it('changes nothing integrate merges or lands: its own commit is what is judged and merged', () => {
    const wt = f.worktree('alpha');
    f.repo.write('alpha/a', 'alpha\n', wt);
    f.repo.git(['add', 'alpha/a'], { cwd: wt });
    f.repo.git(['commit', '-qm', 'alpha work'], { cwd: wt });
    const own = f.repo.git(['rev-parse', 'HEAD'], { cwd: wt }).stdout.trim();
    // A commit with beta's file in alpha's place, shown instead of alpha's own by a replace ref.
    f.repo.write('beta/b', 'not alpha\n', wt);
    f.repo.git(['add', 'beta/b'], { cwd: wt });
    const tree = f.repo.git(['write-tree'], { cwd: wt }).stdout.trim();
    f.repo.git(['reset', '-q', '--hard'], { cwd: wt });
    const fake = f.repo.git(['commit-tree', tree, '-p', `${own}~1`, '-m', 'fake'], { cwd: wt }).stdout.trim();
    f.repo.git(['replace', own, fake], { cwd: wt });
    f.done('alpha');
    const r = f.integrate(['--land']);
    expect(r.code, r.stderr).toBe(0);
    const landed = f.repo.git(['--no-replace-objects', 'ls-tree', '-r', '--name-only', 'main']).stdout;
    expect(landed).toContain('alpha/a');
    expect(landed).not.toContain('beta/b');
  });
});
