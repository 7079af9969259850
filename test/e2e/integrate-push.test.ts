/**
 * Sessions on several machines and `integrate --push` from fresh CI checkouts: two session clones
 * finish phases and sync; a runner clone (detached, no local base, shallow) integrates, tests and
 * lands on the host in one atomic push; a runner whose host moved meanwhile pushes nothing and
 * exits 4; a re-run converges; a host base that moved on its own under a resumed job is said
 * (exit 4), not dropped; verify judges remote-tracking phase branches.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Host, phasePlan, spawnParallel, type PushJson } from './integrate-host-fixture.js';
import { waitUntil } from '../helpers/repo.js';


/** The number of the fault point `name` in a --push --land run merging one phase (a throwaway host). */
function pointOf(name: string): string {
  const probe = new Host(phasePlan('probe', ['alpha'], 'true'));
  try {
    probe.finishOn(probe.sessionClone('laptop'), 'alpha', { 'alpha/a.txt': 'a\n' });
    const dir = probe.runnerClone('probe');
    const listed = probe.p(['integrate', '--push', '--land'], dir, { PARALLEL_TEST_KILL_AT: 'list' });
    return listed.stderr.split('\n').find((l) => l.endsWith(`: ${name}`))!.match(/fault point (\d+)/)![1]!;
  } finally {
    probe.cleanup();
  }
}

describe('sessions on two machines, the queue on a CI runner', () => {
  let h: Host;
  let plan: string;
  let laptopA: string;
  let laptopB: string;
  const tips: Record<string, string> = {};

  beforeAll(() => {
    // The tests wait while the clone's git dir holds a flag file (the race holds one runner in them).
    h = new Host(phasePlan('shop', ['alpha', 'beta', 'gamma', 'delta'], 'while test -e "$(git rev-parse --path-format=absolute --git-common-dir)/hold"; do sleep 0.05; done; test ! -e delta/BROKEN'));
    plan = h.git(['rev-parse', 'HEAD']);
    laptopA = h.sessionClone('laptop-a');
    laptopB = h.sessionClone('laptop-b');
  });
  afterAll(() => h.cleanup());

  it('sessions on two clones finish and sync; the coordinator sees them done, not missing', () => {
    tips.alpha = h.finishOn(laptopA, 'alpha', { 'alpha/a.txt': 'a\n' });
    tips.beta = h.finishOn(laptopB, 'beta', { 'beta/b.txt': 'b\n' });
    h.ok(['sync']);
    const s = h.repo.json<{ phases: { id: string; state: string; commits: number }[] }>(['status']).data;
    const byId = Object.fromEntries(s.phases.map((p) => [p.id, p]));
    expect(byId.alpha).toMatchObject({ state: 'done', commits: 1 });
    expect(byId.beta).toMatchObject({ state: 'done', commits: 1 });
    expect(s.phases.some((p) => p.state === 'missing')).toBe(false);
  });

  it('verify in a fresh CI clone judges origin/parallel/<id> with no local branch', () => {
    const ci = h.runnerClone('verify', { depth: 50 });
    h.git(['fetch', '-q', 'origin', '+refs/heads/parallel/*:refs/remotes/origin/parallel/*'], ci);
    expect(h.git(['for-each-ref', 'refs/heads/parallel/'], ci)).toBe('');
    const r = h.p(['verify', 'alpha'], ci);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('alpha: ok (1 commit checked)');
    // A plain `git clone` on CI, detached, with no local base and no parallel.base: base is origin's default branch.
    const cloned = h.sessionClone('ci-plain');
    h.git(['checkout', '-q', '--detach'], cloned);
    h.git(['branch', '-q', '-D', 'main'], cloned);
    const plain = h.p(['verify', 'alpha'], cloned);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('alpha: ok (1 commit checked)');
    // A commit outside the phase's paths, made with the hooks skipped and pushed: verify on CI catches it.
    const wt = `${laptopB}-beta`;
    h.repo.write('alpha/stolen.txt', 'x\n', wt);
    h.git(['add', 'alpha/stolen.txt'], wt);
    h.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'reach into alpha'], wt);
    h.git(['push', '-q', 'origin', 'parallel/beta'], wt);
    h.git(['fetch', '-q', 'origin', '+refs/heads/parallel/*:refs/remotes/origin/parallel/*'], ci);
    const bad = h.p(['verify', 'beta'], ci);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/alpha\/stolen\.txt \(owned by alpha\)/);
    // Undo it on the session's branch (a new commit would still carry the violation).
    h.git(['reset', '-q', '--hard', 'HEAD~1'], wt);
    h.git(['push', '-q', '--force', 'origin', 'parallel/beta'], wt);
  });

  it('a fresh runner clone (detached, no local base, depth 1) integrates, tests and lands on the host', () => {
    const runner = h.runnerClone('run-1', { identity: 'runner-1' });
    const r = h.pushJson(runner);
    expect(r.code, r.stderr).toBe(0);
    expect(r.data.integrated, r.stderr + JSON.stringify(r.data)).toEqual(['alpha', 'beta']);
    expect(r.data.push).toMatchObject({ remote: 'origin', result: 'pushed', store_pushed: true });
    expect(r.data.landed).toBe(true);
    const head = h.hostRev('refs/heads/parallel/integration')!;
    expect(head).toBe(r.data.head);
    expect(h.hostRev('refs/heads/main')).toBe(head);
    h.expectOnlyTested(plan, 'after the first run');
    for (const [id, tip] of Object.entries(tips)) expect(h.hostGit(['merge-base', '--is-ancestor', tip, head]), id).toBe('');
    // A new clone shows the notes with plain git log once it fetches the coordination ref.
    const fresh = h.sessionClone('reader');
    h.git(['fetch', '-q', 'origin', 'refs/notes/parallel:refs/notes/parallel'], fresh);
    const log = h.git(['log', '--notes=parallel', '-1', 'origin/main'], fresh);
    expect(log).toMatch(/Notes \(parallel\):\n\s+parallel: integrated beta/);
    expect(log).toMatch(/result: passed/);
    // Every clone agrees: the coordinator syncs and sees both integrated.
    h.ok(['sync']);
    const s = h.repo.json<{ phases: { id: string; state: string }[] }>(['status']).data;
    expect(s.phases.filter((p) => p.state === 'integrated').map((p) => p.id), JSON.stringify(s.phases) + h.git(['for-each-ref'])).toEqual(['alpha', 'beta']);
    // Nothing left to do: a second run pushes nothing and exits 0.
    const again = h.pushJson(h.runnerClone('run-2'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.data.push?.result).toBe('none');
    expect(h.hostRev('refs/heads/main')).toBe(head);
  });

  it('two runners: the one whose host moved meanwhile pushes nothing, exits 4, and a re-run converges', async () => {
    tips.gamma = h.finishOn(laptopA, 'gamma', { 'gamma/c.txt': 'c\n' });
    const before = { main: h.hostRev('refs/heads/main'), integration: h.hostRev('refs/heads/parallel/integration') };
    const slowDir = h.runnerClone('slow', { identity: 'runner-slow' });
    const fastDir = h.runnerClone('fast', { identity: 'runner-fast' });
    writeFileSync(join(slowDir, '.git/hold'), '');
    const slow = spawnParallel(h, slowDir, ['integrate', '--push', '--land', '--json']);
    // The slow runner has fetched and is in its tests (the scratch worktree's test log exists).
    const logs = join(slowDir, '.git/parallel/integrate/logs');
    await waitUntil(() => existsSync(logs), 'the slow runner to reach its tests');
    // Meanwhile the fast runner integrates the same phase and pushes first.
    const fast = h.pushJson(fastDir);
    expect(fast.code, fast.stderr).toBe(0);
    expect(fast.data.push?.result).toBe('pushed');
    const won = { main: h.hostRev('refs/heads/main'), integration: h.hostRev('refs/heads/parallel/integration') };
    expect(won.main).not.toBe(before.main);
    rmSync(join(slowDir, '.git/hold'));
    const out = await slow.done;
    const data = JSON.parse(out.stdout) as PushJson;
    expect(data.push?.result, out.stderr).toBe('moved');
    expect(out.code, out.stderr).toBe(4);
    expect(data.integrated).toEqual(['gamma']); // it did the work, tested, and was refused
    expect(out.stdout + out.stderr).toContain('the remote moved; nothing was pushed; run it again');
    // The host kept the winner's refs exactly.
    expect(h.hostRev('refs/heads/main')).toBe(won.main);
    expect(h.hostRev('refs/heads/parallel/integration')).toBe(won.integration);
    h.expectOnlyTested(plan, 'after the race');
    // A re-run in the loser's own clone converges: nothing new to integrate, nothing moves.
    const rerun = h.pushJson(slowDir);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.data.push?.result).toBe('none');
    expect(h.hostRev('refs/heads/main')).toBe(won.main);
    expect(h.hostGit(['merge-base', '--is-ancestor', tips.gamma!, won.main!])).toBe('');
  });

  it('a red run pushes the record of it but no branch', () => {
    h.finishOn(laptopB, 'delta', { 'delta/d.txt': 'd\n', 'delta/BROKEN': 'x\n' });
    const before = { main: h.hostRev('refs/heads/main'), integration: h.hostRev('refs/heads/parallel/integration') };
    const eventsBefore = h.hostEventIds().length;
    const r = h.pushJson(h.runnerClone('red', { identity: 'runner-red' }));
    expect(r.code, r.stderr).toBe(1);
    expect(r.data.integrated).toEqual([]);
    expect(r.data.push).toMatchObject({ result: 'none', store_pushed: true });
    expect(h.hostRev('refs/heads/main')).toBe(before.main);
    expect(h.hostRev('refs/heads/parallel/integration')).toBe(before.integration);
    h.expectOnlyTested(plan, 'after a red run');
    // The verdict on delta reached the host: any clone sees why it was not integrated.
    expect(h.hostEventIds().length).toBeGreaterThan(eventsBefore);
  });

  it('refuses a remote that does not exist and a base the host lacks, with the fix', () => {
    const runner = h.runnerClone('odd');
    const none = h.p(['integrate', '--push', 'nowhere'], runner);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/there is no remote "nowhere"/);
    h.git(['config', 'parallel.base', 'trunk'], runner);
    const noBase = h.p(['integrate', '--push'], runner);
    expect(noBase.code).toBe(1);
    expect(noBase.stderr).toMatch(/"origin" has no branch trunk \(the base\)\. Push it first/);
    const dry = h.p(['integrate', '--push', '--dry-run'], runner);
    expect(dry.code).toBe(2);
    const lonely = join(h.root, 'no-remote');
    h.repo.git(['init', '-q', lonely]);
    const noRemote = h.p(['integrate', '--push'], lonely);
    expect(noRemote.code).toBe(2);
    expect(noRemote.stderr).toBe('parallel: this repository has no remote to push to. Add one with "git remote add origin <url>", then run "parallel integrate --push".\n');
  });

  it('a remote it cannot reach is one paragraph naming git\'s reason and the check, for both sync and --push', () => {
    const runner = h.runnerClone('unreachable');
    h.git(['remote', 'add', 'gone', join(h.root, 'no such host.git')], runner);
    for (const args of [['integrate', '--push', 'gone'], ['sync', 'gone']]) {
      const r = h.p(args, runner);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/^parallel: could not fetch [^\n]*from "gone": '[^\n]*no such host\.git' does not appear to be a git repository[^\n.]*\. Check that "git fetch gone" works\.\n$/);
    }
  });
});

describe('integrate --push in a shallow clone whose merge bases are deeper than its history', () => {
  let h: Host;
  beforeAll(() => {
    h = new Host(phasePlan('deep', ['alpha'], 'true'));
  });
  afterAll(() => h.cleanup());

  it('deepens until base and the phase branches share a merge base, and says so', () => {
    const laptop = h.sessionClone('laptop');
    h.finishOn(laptop, 'alpha', { 'alpha/a.txt': 'a\n' });
    // Base moves on by many commits after alpha branched off.
    for (let i = 0; i < 80; i++) h.repo.commit({ [`docs/n${i}.md`]: `${i}\n` }, `docs ${i}`);
    h.git(['push', '-q', 'origin', 'main']);
    const runner = h.runnerClone('shallow', { depth: 1 });
    expect(h.git(['rev-parse', '--is-shallow-repository'], runner)).toBe('true');
    const r = h.pushJson(runner);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/deepened this shallow clone by \d+ commits/);
    expect(r.data.integrated).toEqual(['alpha']);
    expect(h.hostRev('refs/heads/main')).toBe(r.data.head);
  });
});

describe('integrate --push resuming a job the host has overtaken', () => {
  let h: Host;
  let plan: string;
  beforeAll(() => {
    h = new Host(phasePlan('resume', ['alpha', 'beta'], 'true'));
    plan = h.git(['rev-parse', 'HEAD']);
  });
  afterAll(() => h.cleanup());

  it('never replaces the host\'s newer integration branch with the resumed result: exit 4, then it converges', () => {
    const laptop = h.sessionClone('laptop');
    h.finishOn(laptop, 'alpha', { 'alpha/a.txt': 'a\n' });
    // Runner 1 is killed once its job moved its own integration branch (journal still open).
    const first = h.runnerClone('first', { identity: 'runner-1' });
    const killed = h.p(['integrate', '--push', '--land'], first, { ...h.envFor(first), PARALLEL_TEST_KILL_AT: pointOf('moved') });
    expect(killed.code).not.toBe(0);
    expect(existsSync(join(first, '.git/parallel/integrate/journal.json'))).toBe(true);
    expect(h.hostRev('refs/heads/main')).toBe(plan);
    // Meanwhile another runner integrates alpha and beta and pushes.
    h.finishOn(laptop, 'beta', { 'beta/b.txt': 'b\n' });
    const second = h.pushJson(h.runnerClone('second', { identity: 'runner-2' }));
    expect(second.code, second.stderr).toBe(0);
    const won = { main: h.hostRev('refs/heads/main'), integration: h.hostRev('refs/heads/parallel/integration') };
    // Runner 1 resumes its job: its result lacks the host's merges, so nothing of it is pushed.
    const resumed = h.pushJson(first);
    expect(resumed.code, resumed.stderr).toBe(4);
    expect(resumed.stderr).toContain('the remote moved; nothing was pushed; run it again');
    expect(h.hostRev('refs/heads/main')).toBe(won.main);
    expect(h.hostRev('refs/heads/parallel/integration')).toBe(won.integration);
    h.expectOnlyTested(plan, 'after the resumed run');
    // Run again: it takes the host's branch (keeping its own old tip under refs/parallel/saved/) and has nothing left.
    const again = h.pushJson(first);
    expect(again.code, again.stderr).toBe(0);
    expect(again.data.push?.result).toBe('none');
    expect(again.stderr).toMatch(/parallel\/integration here \([0-9a-f]+\) had diverged from origin's; moved to/);
    expect(h.git(['for-each-ref', '--format=%(refname)', 'refs/parallel/saved/integration/'], first)).not.toBe('');
  });
});

describe('integrate --push --land when the host\'s base moved on its own under a resumed job', () => {
  let h: Host;
  beforeAll(() => {
    h = new Host(phasePlan('drift', ['alpha'], 'true'));
  });
  afterAll(() => h.cleanup());

  it('does not land silently: says main moved there and to run it again (exit 4), pushes the integration branch; the re-run lands', () => {
    const laptop = h.sessionClone('laptop');
    const alpha = h.finishOn(laptop, 'alpha', { 'alpha/a.txt': 'a\n' });
    // The runner is killed once its job moved its own integration branch (the job stays pending).
    const runner = h.runnerClone('drift', { identity: 'runner-d' });
    const killed = h.p(['integrate', '--push', '--land'], runner, { ...h.envFor(runner), PARALLEL_TEST_KILL_AT: pointOf('moved') });
    expect(killed.code).not.toBe(0);
    expect(existsSync(join(runner, '.git/parallel/integrate/journal.json'))).toBe(true);
    // Meanwhile someone pushes straight to main on the host.
    h.repo.commit({ 'docs/hotfix.md': 'fix\n' }, 'hotfix straight on main');
    h.git(['push', '-q', 'origin', 'main']);
    const hotfix = h.hostRev('refs/heads/main')!;
    // The resumed job's result lacks the hotfix, so main cannot land at it: exit 4, said in one line.
    const r = h.pushJson(runner);
    expect(r.code, r.stderr).toBe(4);
    expect(r.data.landed).toBe(false);
    expect(r.data.integrated).toEqual(['alpha']);
    const said = r.stderr.split('\n').filter((l) => /moved on its own/.test(l));
    expect(said, r.stderr).toHaveLength(1);
    expect(said[0]).toMatch(/^parallel: "origin" has main at [0-9a-f]+, which moved on its own since this run's job started; its result does not contain it, so main was not landed\. Run "parallel integrate --push --land" again: it merges the new main, tests it and lands\.$/);
    // What is safe went out: the tested integration branch (and its record); main kept the hotfix.
    expect(h.hostRev('refs/heads/main')).toBe(hotfix);
    expect(h.hostRev('refs/heads/parallel/integration')).toBe(r.data.head);
    expect(r.data.push).toMatchObject({ result: 'pushed', store_pushed: true, base_moved: true });
    expect(h.hostGit(['notes', '--ref=parallel', 'show', r.data.head!])).toMatch(/^result: passed/m);
    // The re-run merges the hotfix in, tests, and lands both.
    const again = h.pushJson(runner);
    expect(again.code, again.stderr).toBe(0);
    expect(again.data.landed).toBe(true);
    const main = h.hostRev('refs/heads/main')!;
    expect(h.hostRev('refs/heads/parallel/integration')).toBe(main);
    for (const tip of [alpha, hotfix]) expect(h.hostGit(['merge-base', '--is-ancestor', tip, main])).toBe('');
  });
});

describe('integrate --push to a host that declines the push (a protected branch)', () => {
  let h: Host;
  beforeAll(() => {
    h = new Host(phasePlan('guarded', ['alpha'], 'true'));
  });
  afterAll(() => h.cleanup());

  it('is no "remote moved, run it again" (exit 4): it fails with the host\'s reason, and nothing moves there', () => {
    const laptop = h.sessionClone('laptop');
    h.finishOn(laptop, 'alpha', { 'alpha/a.txt': 'a\n' });
    const hook = join(h.url, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do case "$ref" in refs/heads/main) echo "main is protected" >&2; exit 1;; esac; done\n', { mode: 0o755 });
    const before = h.hostRev('main');
    const runner = h.runnerClone('guarded');
    const r = h.p(['integrate', '--push', '--land'], runner, h.envFor(runner));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/the remote moved/);
    expect(r.stderr).toMatch(/parallel: "origin" declined the push of parallel\/integration and main: [^\n]*pre-receive hook declined[^\n]*main is protected\. Nothing of them changed there\./);
    expect(h.hostRev('main')).toBe(before);
    expect(h.hostRev('refs/heads/parallel/integration')).toBeNull();
  });
});

describe('integrate --push holds the integrate lock from its fetch to its push', () => {
  let h: Host;
  beforeAll(() => {
    // The tests wait while the clone's git dir holds a flag file.
    h = new Host(phasePlan('held', ['alpha'], 'while test -e "$(git rev-parse --path-format=absolute --git-common-dir)/hold"; do sleep 0.05; done'));
  });
  afterAll(() => h.cleanup());

  it('one lock through its tests and its push; a second --push in the same clone meanwhile exits 4 and pushes nothing', async () => {
    h.finishOn(h.sessionClone('laptop'), 'alpha', { 'alpha/a.txt': 'a\n' });
    const runner = h.runnerClone('held', { identity: 'runner-h' });
    const holdPush = join(h.url, 'hold-push');
    const inHook = join(h.url, 'in-hook');
    writeFileSync(join(h.url, 'hooks', 'pre-receive'), `#!/bin/sh\ncat >/dev/null\ntouch '${inHook}'\nwhile test -e '${holdPush}'; do sleep 0.05; done\n`, { mode: 0o755 });
    writeFileSync(join(runner, '.git/hold'), '');
    writeFileSync(holdPush, '');
    const lock = join(runner, '.git/parallel/integrate/lock');
    const nonce = () => (JSON.parse(readFileSync(lock, 'utf8')) as { nonce: string }).nonce;
    const before = { main: h.hostRev('refs/heads/main'), integration: h.hostRev('refs/heads/parallel/integration') };
    const first = spawnParallel(h, runner, ['integrate', '--push', '--land', '--json']);
    const logs = join(runner, '.git/parallel/integrate/logs');
    await waitUntil(() => existsSync(logs), 'the first run to reach its tests');
    const inTests = nonce();
    const second = h.p(['integrate', '--push', '--land'], runner, h.envFor(runner));
    expect(second.code, second.stderr).toBe(4);
    expect(second.stderr).toMatch(/another integrate is running \(pid \d+/);
    rmSync(join(runner, '.git/hold'));
    await waitUntil(() => existsSync(inHook), "the first run's push to reach the host");
    expect(nonce(), 'the lock was let go and taken again between the tests and the push').toBe(inTests);
    const third = h.p(['integrate', '--push', '--land'], runner, h.envFor(runner));
    expect(third.code, third.stderr).toBe(4);
    expect(h.hostRev('refs/heads/main')).toBe(before.main);
    rmSync(holdPush);
    const out = await first.done;
    expect(out.code, out.stderr).toBe(0);
    expect((JSON.parse(out.stdout) as PushJson).push?.result).toBe('pushed');
    expect(existsSync(lock)).toBe(false);
  }, 120_000);
});
