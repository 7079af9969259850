/**
 * integrate's scratch worktree as a real project meets it: placed next to the phase worktrees
 * (never under `.git`), moved there from the old place the git way, a foreign folder there
 * refused by name; a failing `setup` reported as such; tests that change the tree or move HEAD;
 * background processes a test leaves behind; "nothing to land".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fixture, letterPhases, planYaml, skippedOf } from './integrate-fixture.js';
import { waitUntil } from '../helpers/repo.js';

function plan(test: string, extra = ''): string {
  return planYaml({ name: 'scratch', test, phases: letterPhases(2) }).replace('phases:', `${extra}phases:`);
}

/** Like a file server that refuses any path with a dot-segment: red anywhere under a dot-folder. */
const NO_DOT_SEGMENT = 'case "$PWD/" in */.*) echo "refusing a dot-segment in $PWD"; exit 1;; esac';

let f: Fixture | undefined;
afterEach(() => {
  f?.cleanup();
  f = undefined;
});

describe('the scratch worktree', () => {
  it('sits at the worktrees template with {phase} = integration, so a test that refuses dot-segments passes', () => {
    f = new Fixture(plan(NO_DOT_SEGMENT));
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const r = f.integrate();
    expect(r.code, `${r.stderr}\n${r.data.tests ? readFileSync(r.data.tests.log, 'utf8') : ''}`).toBe(0);
    expect(r.data.integrated).toEqual(['alpha']);
    const where = join(f.root, 'repo-integration');
    expect(r.stderr).toContain(`scratch worktree: ${where}`);
    expect(existsSync(join(where, 'alpha/a'))).toBe(true);
    expect(f.repo.git(['worktree', 'list', '--porcelain']).stdout).toContain(`worktree ${where}\n`);
    // Logs stay under the common git dir.
    expect(r.data.tests!.log.startsWith(join(f.repo.dir, '.git/parallel/integrate/logs/'))).toBe(true);
  });

  it('moves a scratch worktree from the old place under .git with git worktree move', () => {
    f = new Fixture(plan('true'));
    const old = join(f.repo.dir, '.git/parallel/integrate/worktree');
    mkdirSync(join(f.repo.dir, '.git/parallel/integrate'), { recursive: true });
    f.repo.git(['worktree', 'add', '--detach', '-q', old, 'main']);
    writeFileSync(join(old, 'ignored-cache'), 'kept? no: untracked files go\n');
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const r = f.integrate();
    expect(r.code, r.stderr).toBe(0);
    const where = join(f.root, 'repo-integration');
    expect(r.stderr).toContain(`scratch worktree: ${where} (moved from ${old})`);
    const list = f.repo.git(['worktree', 'list', '--porcelain']).stdout;
    expect(list).toContain(`worktree ${where}\n`);
    expect(list).not.toContain(old);
    expect(existsSync(old)).toBe(false);
    expect(list.split('\n\n').filter((b) => b.startsWith('worktree ')).length).toBe(3); // main, alpha, scratch
  });

  it('refuses, naming it, a folder at its place that is not the scratch worktree, and keeps it', () => {
    f = new Fixture(plan('true'));
    const where = join(f.root, 'repo-integration');
    mkdirSync(where);
    writeFileSync(join(where, 'mine.txt'), 'the user\'s\n');
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const r = f.integrate();
    expect(r.code).toBe(1);
    expect(r.data.error?.message).toContain(`${where} is where integrate's scratch worktree goes`);
    expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(readFileSync(join(where, 'mine.txt'), 'utf8')).toBe('the user\'s\n');
    // A linked worktree of the user's at that place is refused too.
    const g = f.repo.git(['worktree', 'list', '--porcelain']).stdout;
    expect(g).not.toContain(`worktree ${where}\n`);
  });

  it('refuses a worktree of the user\'s at its place', () => {
    f = new Fixture(plan('true'));
    const where = join(f.root, 'repo-integration');
    f.repo.git(['worktree', 'add', '-q', '-b', 'mine', where]);
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const r = f.integrate();
    expect(r.code).toBe(1);
    expect(r.data.error?.message).toContain(where);
    expect(f.repo.git(['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: where }).stdout.trim()).toBe('mine');
  });

  it('doctor and prune know it: under .git it is reported and removed; deleted by hand it is cleared; in place it is kept', () => {
    f = new Fixture(plan('true'));
    const old = join(f.repo.dir, '.git/parallel/integrate/worktree');
    mkdirSync(join(f.repo.dir, '.git/parallel/integrate'), { recursive: true });
    f.repo.git(['worktree', 'add', '--detach', '-q', old, 'main']);
    const d = f.repo.parallel(['doctor']);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain(`integrate's scratch worktree is still under the git dir at ${old}`);
    const p = f.repo.parallel(['prune']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toContain(`removed integrate's scratch worktree at ${old}`);
    expect(existsSync(old)).toBe(false);
    expect(f.repo.git(['worktree', 'list']).stdout).not.toContain(old);

    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    expect(f.integrate().code).toBe(0);
    const where = join(f.root, 'repo-integration');
    const ok = f.repo.parallel(['doctor']);
    expect(ok.stdout).toMatch(/^ok {7}worktrees: /m);
    expect(ok.stdout).toContain(`integrate's scratch worktree: ${where}`);
    expect(f.repo.parallel(['prune']).stdout).toContain(`integrate's scratch worktree at ${where} is kept`);
    expect(existsSync(where)).toBe(true);

    rmSync(where, { recursive: true, force: true });
    const gone = f.repo.parallel(['doctor']);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toContain(`integrate's scratch worktree at ${where} was deleted by hand`);
    expect(gone.stdout).not.toContain('git worktree prune');
    expect(f.repo.parallel(['prune']).stdout).toContain(`cleared integrate's scratch worktree at ${where}`);
    expect(f.repo.parallel(['doctor']).stdout).toMatch(/^ok {7}worktrees: 1 phase worktree$/m);
    expect(f.repo.git(['worktree', 'list']).stdout).not.toContain(where);
  });
});

describe('integrate meets a real test suite', () => {
  it('reports a failing setup as its own skip reason: the command, its exit code and log; the tests did not run; nobody blamed', () => {
    f = new Fixture(plan('echo ran >> $ROOT/tests.log', 'setup: ["echo installing; test -d .parallel || exit 7"]\n'));
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const r = f.integrate();
    expect(r.code).toBe(1);
    expect(r.data.integrated).toEqual([]);
    expect(skippedOf(r.data)).toEqual({ alpha: 'setup', beta: 'not_done' });
    const detail = r.data.skipped.find((s) => s.id === 'alpha')!.detail;
    expect(detail).toContain('setup "echo installing; test -d .parallel || exit 7" failed in the scratch worktree (exit 7; log: ');
    expect(detail).toContain('the tests did not run; no phase is to blame');
    expect(readFileSync(detail.match(/log: (\S+\.log)/)![1]!, 'utf8')).toContain('installing');
    expect(existsSync(join(f.root, 'tests.log'))).toBe(false);
    expect(r.data.base_red).toBe(false);
    expect(r.data.tests).toBeNull();
    const text = f.repo.parallel(['integrate']);
    expect(text.stdout).toContain('setup "echo installing; test -d .parallel || exit 7" failed in the scratch worktree, so the tests did not run');
    expect(text.stdout).not.toMatch(/is red|fix main first|Tests: .* failed in/);
    expect(f.rev('parallel/integration')).toBe(f.rev('main'));
  });

  it('says there is nothing to land when base already is at the integration head', () => {
    f = new Fixture(plan('true'));
    const r = f.repo.parallel(['integrate', '--land']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Landed');
    expect(r.stdout).toContain(`Nothing to land: main is already at ${f.rev('main')!.slice(0, 7)}`);
    expect(f.integrate(['--land']).data.landed).toBe(false);
    // A real fast-forward still says Landed.
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const l = f.repo.parallel(['integrate', '--land']);
    expect(l.stdout).toMatch(/Landed: main fast-forwarded to [0-9a-f]{7}/);
  });

  it('--each: a test that rewrites tracked files and leaves untracked ones does not break the next merge; ignored files stay', () => {
    // The test rewrites README.md (like a snapshot updater), drops an untracked file, and counts
    // its runs in an ignored cache that must survive between steps.
    const test = 'test ! -e stray && echo changed >> README.md && touch stray && echo x >> cache/runs && true';
    f = new Fixture(plan(test, 'setup: ["mkdir -p cache"]\n'), { '.gitignore': 'cache/\n' });
    f.finish({ alpha: { 'alpha/a': 'a\n' }, beta: { 'beta/b': 'b\n' } });
    const r = f.integrate(['--each']);
    expect(r.code, `${r.stderr}`).toBe(0);
    expect(r.data.integrated).toEqual(['alpha', 'beta']);
    expect(r.stderr).not.toContain('internal error');
    const where = join(f.root, 'repo-integration');
    expect(readFileSync(join(where, 'cache/runs'), 'utf8').split('\n').filter(Boolean).length).toBe(2);
  });

  it('a test that commits is red, with that reason, and blames no conflict', () => {
    const test = 'if test -e beta/b; then echo more >> beta/b && git add beta/b && git -c user.name=t -c user.email=t@t commit -qm sneaky; fi';
    f = new Fixture(plan(test));
    f.finish({ alpha: { 'alpha/a': 'a\n' }, beta: { 'beta/b': 'b\n' } });
    const r = f.integrate(['--each']);
    expect(r.code).toBe(1);
    expect(r.data.integrated).toEqual(['alpha']);
    expect(skippedOf(r.data)).toEqual({ beta: 'red' });
    expect(r.data.skipped[0]!.detail).toContain('the test moved HEAD in the scratch worktree');
    expect(r.data.skipped[0]!.detail).not.toContain('conflict');
    expect(f.show('parallel/integration', 'beta/b')).toBeNull();
  });

  it('a test that checks out a branch is red with that reason', () => {
    f = new Fixture(plan('git checkout -q -B from-test'));
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const r = f.integrate();
    expect(r.code).toBe(1);
    expect(r.data.integrated).toEqual([]);
    expect(r.data.skipped.find((s) => s.id === 'alpha')!.detail).toContain('it checked out from-test');
    expect(f.rev('parallel/integration')).toBe(f.rev('main'));
  });

  it('ends the processes a green test leaves running in the background', async () => {
    // A duration no other process uses, so ps finds exactly these sleeps.
    const marker = `sleep ${300 + (process.pid % 500)}.${String(Date.now() % 1000).padStart(3, '0')}`;
    // One holds the output pipe, one does not: both must end with the test.
    f = new Fixture(plan(`${marker} & ${marker} >/dev/null 2>&1 & true`));
    f.finish({ alpha: { 'alpha/a': 'a\n' } });
    const t = Date.now();
    const r = f.integrate();
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t).toBeLessThan(45_000); // the sleeps take 300 s; a loaded machine is slow
    const { execFileSync } = await import('node:child_process');
    const left = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() === marker);
    // Ended means gone within moments (a signalled process exits as soon as it is scheduled).
    await waitUntil(() => left().length === 0, `no "${marker}" left running`, 10_000).catch(() => undefined);
    expect(left()).toEqual([]);
  });
});

