/**
 * The hooks' cached state and pre-commit's token, which let most hook runs end without work: the
 * state is shell assignments the hooks source (Node reads and writes the same file), and the token
 * lets reference-transaction trust exactly the update that this git process's pre-commit judged,
 * decided in the hook file itself when nothing of the repository's own is chained.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHAINED_NO_EDITOR, EDITOR, NO_EDITOR, useCommitMode, HOOKS_PLAN, clean, commit, head, hookRepo, hookSays, stage, staged, removeRepo, type HookRepo } from './hooks-fixture.js';
import { noteWritten } from '../helpers/repo.js';
import { HOOK_STATE_HEAD, formatHookState, parseHookState } from '../../src/git/hook-state.js';

let h: HookRepo;
let auth: string;
let stateFile: string;

beforeAll(() => {
  h = hookRepo(['auth', 'ui']);
  auth = h.wt('auth');
  stateFile = join(h.repo.dir, '.git', 'parallel', 'cache', 'hook-state');
});
afterAll(() => removeRepo(h.repo));
afterEach(() => {
  h.repo.git(['switch', '-q', 'parallel/auth'], { cwd: auth, allowFail: true });
  clean(h.repo, auth);
});

const debug = { PARALLEL_DEBUG: '1' };

function gitDir(cwd: string): string {
  return h.repo.git(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd }).stdout.trim();
}

describe('the cached hook state', () => {
  it('is written as shell assignments that sh and Node read alike, quotes included', () => {
    const state = { base: "it's", baseFrom: 'config', baseOid: 'a'.repeat(40), blob: 'b'.repeat(40), userHooks: "=/tmp/o'dd hooks", files: ['/x/config', "/y/it's/config"] };
    const text = formatHookState(state);
    expect(text.startsWith(`${HOOK_STATE_HEAD}\n`)).toBe(true);
    expect(parseHookState(text)).toEqual(state);
    const file = join(h.repo.root, 'state.sh');
    writeFileSync(file, text);
    const out = execFileSync('sh', ['-c', '. "$1"; printf "%s|" "$pl_base" "$pl_base_oid" "$pl_blob" "$pl_uh" "$pl_files"', 'sh', file], { encoding: 'utf8' });
    expect(out).toBe(`${state.base}|${state.baseOid}|${state.blob}|${state.userHooks}|${state.files.join('\n')}|`);
    // Another format (an older install's) is not read as this one.
    expect(parseHookState('parallel-hook-state 1\nmain\n')).toBeUndefined();
  });

  it('replaces a state file in the older line format, instead of running its lines', () => {
    const marker = join(h.repo.root, 'ran');
    writeFileSync(stateFile, `parallel-hook-state 1\ntouch ${marker}\n${'0'.repeat(40)}\n\n-\n`);
    stage(h.repo, auth, { 'src/auth/old-state.ts': '1\n' });
    const r = commit(h.repo, auth, [], debug);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('cached state is stale');
    expect(existsSync(marker)).toBe(false);
    const now = parseHookState(readFileSync(stateFile, 'utf8'));
    expect(now?.base).toBe('main');
    expect(now?.blob).toBe(h.repo.git(['rev-parse', 'main:.parallel.yml']).stdout.trim());
  });
});

describe('commands that read base from the cached state', () => {
  it('skip git while it is fresh, and follow a change of parallel.base at once', () => {
    stage(h.repo, auth, { 'src/auth/fresh.ts': '1\n' });
    expect(commit(h.repo, auth).code).toBe(0);
    const state = parseHookState(readFileSync(stateFile, 'utf8'));
    expect(state?.baseFrom).toBe('config');
    const status = () => JSON.parse(h.repo.parallel(['status', '--json'], { cwd: h.repo.dir }).stdout) as { base: string };
    expect(status().base).toBe('main');
    // A plan on another branch, recorded as base: the state is stale at once (config is newer).
    h.repo.git(['branch', 'next', 'main']);
    h.repo.git(['config', 'parallel.base', 'next']);
    try {
      // The plan says base: main, so status now refuses it, naming the recorded base.
      const r = h.repo.parallel(['status'], { cwd: h.repo.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('next');
    } finally {
      h.repo.git(['config', 'parallel.base', 'main']);
      h.repo.git(['branch', '-D', 'next']);
    }
    // Base moved to a plan with one more phase: the recorded commit no longer matches base's
    // ref, so the plan is read from git again.
    const before = JSON.parse(h.repo.parallel(['status', '--json'], { cwd: h.repo.dir }).stdout) as { phases: { id: string }[] };
    expect(before.phases.map((p) => p.id)).not.toContain('extra');
    h.repo.commit({ '.parallel.yml': `${HOOKS_PLAN}  - id: extra\n    task: More\n    owns: [extra/]\n` }, 'plan: one more phase');
    const after = JSON.parse(h.repo.parallel(['status', '--json'], { cwd: h.repo.dir }).stdout) as { phases: { id: string }[] };
    expect(after.phases.map((p) => p.id)).toContain('extra');
  });
  it('are not taught a base by a hook that ran under git -c', () => {
    // The state is stale (config changed) when a commit runs with a one-off parallel.base.
    h.repo.git(['config', 'parallel.unrelated', String(Date.now())]);
    stage(h.repo, auth, { 'src/auth/one-off.ts': '1\n' });
    // (Whether that commit passes depends on what judges it under the one-off base.)
    h.repo.git(['-c', 'parallel.base=parallel/ui', 'commit', '-q', '-m', 'one-off'], { cwd: auth, allowFail: true });
    // Later commands, without -c, still resolve base from the repository's own config.
    const status = h.repo.parallel(['status', '--json'], { cwd: h.repo.dir });
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { base: string }).base).toBe('main');
    // And base stays guarded from a phase worktree.
    const before = h.repo.rev('main');
    const push = h.repo.git(['update-ref', 'refs/heads/main', head(h.repo, auth), before], { cwd: auth, allowFail: true });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('refusing to move main from the worktree of phase auth');
    expect(h.repo.rev('main')).toBe(before);
  });
});

describe('a base taken from the main worktree\'s branch', () => {
  it('follows that worktree when it switches branch (no parallel.base recorded)', () => {
    h.repo.git(['config', '--unset', 'parallel.base']);
    h.repo.git(['branch', 'trunk', 'main']);
    try {
      // The hooks record base from the main worktree's branch (main) ...
      stage(h.repo, auth, { 'src/auth/from-head.ts': '1\n' });
      expect(commit(h.repo, auth).code).toBe(0);
      expect(parseHookState(readFileSync(stateFile, 'utf8'))?.baseFrom).toBe('head');
      // ... then the main worktree switches to trunk: trunk is base now, which a phase may not move.
      h.repo.git(['switch', '-q', 'trunk']);
      const r = h.repo.git(['update-ref', 'refs/heads/trunk', head(h.repo, auth)], { cwd: auth, allowFail: true });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('refusing to move trunk from the worktree of phase auth');
    } finally {
      h.repo.git(['switch', '-q', 'main']);
      h.repo.git(['branch', '-D', 'trunk']);
      h.repo.git(['config', 'parallel.base', 'main']);
    }
  });
});

/** A commit with an editor (here `true`): pre-commit judges it before the editor opens. */
const withEditor = { ...debug, ...EDITOR.env };

// parallel installs a pre-commit only to chain the repository's own: these run with one.
describe("pre-commit's token (the repository's own pre-commit chained)", () => {
  beforeAll(() => useCommitMode(CHAINED_NO_EDITOR));
  afterAll(() => useCommitMode(NO_EDITOR));
  it('lets its own commit through reference-transaction in the hook file, and is used up', () => {
    stage(h.repo, auth, { 'src/auth/token.ts': '1\n' });
    const r = commit(h.repo, auth, EDITOR.args, withEditor);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('refs/heads/parallel/auth: this commit passed pre-commit (decided in the hook file)');
    expect(r.stderr).not.toContain('asking Node');
    expect(readFileSync(join(gitDir(auth), 'parallel-checked'), 'utf8')).toBe('');
  });

  it('with no editor, leaves the check to the branch update, which judges it once, and is used up', async () => {
    stage(h.repo, auth, { 'src/auth/deferred.ts': '1\n' });
    const r = commit(h.repo, auth, [], debug);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('[pre-commit] no editor opens: the check is made when the commit moves the branch (reference-transaction)');
    expect(r.stderr).toContain('[reference-transaction] allowed by the shell fast path (case rules)');
    expect(r.stderr).not.toContain('asking Node');
    expect(r.stderr.match(/allowed by the shell fast path/g)).toHaveLength(1);
    expect(readFileSync(join(gitDir(auth), 'parallel-checked'), 'utf8')).toBe('');
    // committed started the note writer (there is no post-commit hook).
    expect(existsSync(join(h.repo.dir, '.git', 'parallel', 'hooks', 'post-commit'))).toBe(false);
    expect(await noteWritten(h.repo, head(h.repo, auth))).toMatch(/^phase: auth\n/);
  });

  it('with no editor, refuses what pre-commit would: the same words, the branch and the index as they were', () => {
    const files = { 'src/auth/ok.ts': 'ok\n', 'src/ui/button.ts': 'taken\n', 'zz/unowned.txt': 'u\n' };
    const before = head(h.repo, auth);
    stage(h.repo, auth, files);
    const editor = commit(h.repo, auth, EDITOR.args, withEditor);
    expect(editor.code).toBe(1);
    // HOOKS_PLAN has a rule the shell's case cannot express: Node explains, in either hook.
    expect(editor.stderr).toContain('[pre-commit] asking Node');
    const none = commit(h.repo, auth, [], debug);
    expect(none.code).toBe(128);
    expect(none.stderr).toMatch(/\[reference-transaction\] asking Node \(\S+check\.js pre-commit-tree [0-9a-f]{40} [0-9a-f]{40}\)/);
    expect(hookSays(none.stderr)).toBe(hookSays(editor.stderr));
    expect(hookSays(none.stderr)).toContain('auth may not change src/ui/button.ts (owned by ui)');
    expect(head(h.repo, auth)).toBe(before);
    expect(staged(h.repo, auth).sort()).toEqual(Object.keys(files).sort());
    expect(readFileSync(join(gitDir(auth), 'parallel-checked'), 'utf8')).toBe('');
  });

  it('a deferred token from another git process is judged as any update', () => {
    // A forged "deferred" token only asks for the check; an update without it is judged anyway.
    const before = head(h.repo, auth);
    stage(h.repo, auth, { 'src/ui/button.ts': 'forged\n' });
    const tree = h.repo.git(['write-tree'], { cwd: auth }).stdout.trim();
    h.repo.git(['reset', '-q'], { cwd: auth });
    const bad = h.repo.git(['commit-tree', tree, '-p', before, '-m', 'foreign'], { cwd: auth }).stdout.trim();
    const script = 'ls /proc/$$ >/dev/null; printf "%s %s %s deferred\\n" "$$" "$1" refs/heads/parallel/auth > "$2" && exec git update-ref refs/heads/parallel/auth "$3" "$1"';
    const r = spawnSync('sh', ['-c', script, 'sh', before, join(gitDir(auth), 'parallel-checked'), bad], { cwd: auth, encoding: 'utf8', env: { ...process.env, ...debug } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('src/ui/button.ts (owned by ui)');
    expect(h.repo.rev('parallel/auth')).toBe(before);
  });

  it('covers a commit on a detached HEAD the same way', () => {
    h.repo.git(['switch', '-q', '--detach'], { cwd: auth });
    stage(h.repo, auth, { 'src/auth/detached.ts': '1\n' });
    // Detached, so no editor or not, pre-commit judges it (only the phase's branch is deferred).
    const r = commit(h.repo, auth, [], debug);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('HEAD: this commit passed pre-commit (decided in the hook file)');
  });

  it('is not written for a commit that moves another phase\'s branch, which stays refused', () => {
    // HEAD of auth's worktree pointed at ui's branch by hand (git checkout would refuse).
    const uiBefore = h.repo.rev('parallel/ui');
    h.repo.git(['symbolic-ref', 'HEAD', 'refs/heads/parallel/ui'], { cwd: auth });
    stage(h.repo, auth, { 'src/auth/sneaky.ts': '1\n' });
    const r = commit(h.repo, auth, [], debug);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('refusing to move parallel/ui from the worktree of phase auth');
    expect(r.stderr).not.toContain('decided in the hook file');
    expect(h.repo.rev('parallel/ui')).toBe(uiBefore);
    const token = join(gitDir(auth), 'parallel-checked');
    expect(existsSync(token) ? readFileSync(token, 'utf8') : '').toBe('');
    h.repo.git(['symbolic-ref', 'HEAD', 'refs/heads/parallel/auth'], { cwd: auth });
  });

  it('from another git process is not trusted: a --no-verify commit of a foreign file is judged', () => {
    // A token left by an earlier commit (another git process) must not let this one through.
    stage(h.repo, auth, { 'src/auth/first.ts': '1\n' });
    expect(commit(h.repo, auth).code).toBe(0);
    const tokenFile = join(gitDir(auth), 'parallel-checked');
    writeFileSync(tokenFile, `1 ${head(h.repo, auth)} refs/heads/parallel/auth\n`);
    const before = head(h.repo, auth);
    stage(h.repo, auth, { 'src/ui/button.ts': 'taken\n' });
    const r = commit(h.repo, auth, ['--no-verify'], debug);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('may not change src/ui/button.ts (owned by ui)');
    expect(r.stderr).not.toContain('decided in the hook file');
    expect(h.repo.rev('parallel/auth')).toBe(before);
  });

  it('left by a commit that never happened is not trusted by a later git process that got the same pid', () => {
    // A commit aborted after pre-commit (an empty message, a commit-msg refusal) leaves its token.
    // Emulated: the token is an hour old and names the pid of the git process that now moves
    // the branch to a commit that changes another phase's file.
    const before = head(h.repo, auth);
    stage(h.repo, auth, { 'src/ui/button.ts': 'taken by pid reuse\n' });
    const tree = h.repo.git(['write-tree'], { cwd: auth }).stdout.trim();
    h.repo.git(['reset', '-q'], { cwd: auth });
    const bad = h.repo.git(['commit-tree', tree, '-p', before, '-m', 'foreign'], { cwd: auth }).stdout.trim();
    const tokenFile = join(gitDir(auth), 'parallel-checked');
    const script = 'printf "%s %s %s\\n" "$$" "$1" refs/heads/parallel/auth > "$2" && touch -d "1 hour ago" "$2" && exec git update-ref refs/heads/parallel/auth "$3" "$1"';
    const r = spawnSync('sh', ['-c', script, 'sh', before, tokenFile, bad], { cwd: auth, encoding: 'utf8', env: { ...process.env, ...debug } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('may not change src/ui/button.ts (owned by ui)');
    expect(r.stderr).not.toContain('this commit passed pre-commit');
    expect(h.repo.rev('parallel/auth')).toBe(before);
  });

  it('naming another phase\'s branch is not trusted, even written by the very git process\'s shell', () => {
    // A forged token: right pid (the shell that becomes git), /proc looked up first, but the ref
    // is ui's, which auth's worktree may not move.
    const before = h.repo.rev('parallel/ui');
    const tokenFile = join(gitDir(auth), 'parallel-checked');
    const script = 'ls /proc/$$ >/dev/null; printf "%s %s %s\\n" "$$" "$1" refs/heads/parallel/ui > "$2" && exec git update-ref refs/heads/parallel/ui "$3" "$1"';
    const r = spawnSync('sh', ['-c', script, 'sh', before, tokenFile, head(h.repo, auth)], { cwd: auth, encoding: 'utf8', env: { ...process.env, ...debug } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('refusing to move parallel/ui from the worktree of phase auth');
    expect(r.stderr).not.toContain('decided in the hook file');
    expect(h.repo.rev('parallel/ui')).toBe(before);
  });

  it('still chains the repository\'s own reference-transaction hook', () => {
    const own = join(h.repo.dir, '.git', 'hooks', 'reference-transaction');
    const log = join(h.repo.root, 'own-rt.log');
    writeFileSync(own, `#!/bin/sh\necho "$1" >> '${log}'\ncat >> '${log}'\n`, { mode: 0o755 });
    try {
      expect(h.repo.parallel(['init']).code).toBe(0);
      stage(h.repo, auth, { 'src/auth/chained.ts': '1\n' });
      const r = commit(h.repo, auth, [], debug);
      expect(r.code, r.stderr).toBe(0);
      const seen = readFileSync(log, 'utf8');
      expect(seen).toContain('prepared\n');
      expect(seen).toContain('committed\n');
      expect(seen).toContain(`${head(h.repo, auth)} refs/heads/parallel/auth`);
      // committed's updates reach it too (the hook file read them first).
      expect(seen.slice(seen.lastIndexOf('committed\n'))).toContain(`${head(h.repo, auth)} refs/heads/parallel/auth`);
      expect(r.stderr).toContain('[reference-transaction] allowed by the shell fast path (case rules)');
    } finally {
      execFileSync('rm', ['-f', own]);
    }
  });
});

describe('the hooks folder', () => {
  it('init removes the post-commit of an older install (committed starts the writer) and keeps a file that is not parallel\'s', () => {
    const dir = join(h.repo.dir, '.git', 'parallel', 'hooks');
    writeFileSync(join(dir, 'post-commit'), readFileSync(join(dir, 'pre-commit'), 'utf8'), { mode: 0o755 });
    writeFileSync(join(dir, 'post-merge'), '#!/bin/sh\necho not ours\n', { mode: 0o755 });
    try {
      expect(h.repo.parallel(['init']).code).toBe(0);
      expect(existsSync(join(dir, 'post-commit'))).toBe(false);
      expect(readFileSync(join(dir, 'post-merge'), 'utf8')).toContain('not ours');
    } finally {
      execFileSync('rm', ['-f', join(dir, 'post-merge')]);
    }
  });
});
