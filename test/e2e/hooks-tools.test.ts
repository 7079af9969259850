/**
 * parallel's hooks next to the repository's own: a plain .git/hooks pre-commit, husky v9
 * (core.hooksPath=.husky/_, missing in new linked worktrees, reset by every `npm install`) and
 * lefthook (which moves existing hooks aside). Real installs of both tools from node_modules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFUSED_COMMIT, ROOT, TestRepo } from '../helpers/repo.js';
import { commit, hookRepo, stage, removeRepo, type HookRepo } from './hooks-fixture.js';

const HUSKY = join(ROOT, 'node_modules/husky/bin.js');
const LEFTHOOK = join(ROOT, 'node_modules/.bin/lefthook');

let h: HookRepo | undefined;
afterEach(async () => { if (h) await removeRepo(h.repo); h = undefined; });

function log(repo: TestRepo): string {
  const file = join(repo.root, 'hook.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

describe('chaining the repository\'s own hooks', () => {
  it('runs an existing pre-commit hook in phase worktrees, and its failure still blocks', () => {
    h = hookRepo([]);
    const { repo } = h;
    const hook = join(repo.dir, '.git/hooks/pre-commit');
    writeFileSync(hook, `#!/bin/sh\necho "user pre-commit in $PWD" >> "${repo.root}/hook.log"\n[ ! -f "${repo.root}/block" ] || { echo "user hook says no" >&2; exit 3; }\n`);
    chmodSync(hook, 0o755);
    expect(repo.parallel(['start', 'auth']).code).toBe(0);
    const auth = h.wt('auth');
    stage(repo, auth, { 'src/auth/x.ts': 'x\n' });
    expect(commit(repo, auth).code).toBe(0);
    expect(log(repo)).toContain(`user pre-commit in ${auth}`);
    writeFileSync(join(repo.root, 'block'), '');
    stage(repo, auth, { 'src/auth/y.ts': 'y\n' });
    const r = commit(repo, auth);
    // git reports a failed pre-commit as exit 1, whatever the hook's own code.
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('user hook says no');
    expect(r.stderr).not.toContain('parallel:');
    // The main worktree keeps running the user's hook, and nothing of parallel.
    const main = repo.git(['commit', '-q', '--allow-empty', '-m', 'main'], { allowFail: true });
    expect(main.code).toBe(1);
    expect(main.stderr).toContain('user hook says no');
    expect(main.stderr).not.toContain('parallel');
  });

  it('judges what the repository\'s own pre-commit staged, also when the check waits for the branch update (no editor)', () => {
    h = hookRepo([]);
    const { repo } = h;
    // A formatter-style hook that stages one more file: here another phase's.
    const hook = join(repo.dir, '.git/hooks/pre-commit');
    writeFileSync(hook, '#!/bin/sh\nmkdir -p src/ui && echo formatted > src/ui/button.ts && git add src/ui/button.ts\n');
    chmodSync(hook, 0o755);
    expect(repo.parallel(['start', 'auth']).code).toBe(0);
    const auth = h.wt('auth');
    const before = repo.rev('parallel/auth');
    stage(repo, auth, { 'src/auth/x.ts': 'x\n' });
    const r = commit(repo, auth, [], { PARALLEL_DEBUG: '1' });
    expect(r.code, r.stderr).toBe(REFUSED_COMMIT);
    expect(r.stderr).toContain('[pre-commit] no editor opens');
    expect(r.stderr).toContain('auth may not change src/ui/button.ts (owned by ui)');
    expect(repo.rev('parallel/auth')).toBe(before);
  });

  it('chains the repository\'s own reference-transaction hook in every state, from .git/hooks and from core.hooksPath', () => {
    h = hookRepo([]);
    const { repo } = h;
    const body = (tag: string) => `#!/bin/sh\ncat > /dev/null\necho "${tag} $1" >> "${repo.root}/hook.log"\n`;
    const own = join(repo.dir, '.git/hooks/reference-transaction');
    writeFileSync(own, body('git-hooks'));
    chmodSync(own, 0o755);
    expect(repo.parallel(['start', 'auth']).code).toBe(0);
    const auth = h.wt('auth');
    stage(repo, auth, { 'src/auth/x.ts': 'x\n' });
    expect(commit(repo, auth).code).toBe(0);
    expect(log(repo)).toMatch(/git-hooks prepared\n(.*\n)*git-hooks committed\n/);
    // A hooks folder named in config (the cached state records it) is chained too.
    mkdirSync(join(repo.dir, 'custom-hooks'));
    writeFileSync(join(repo.dir, 'custom-hooks/reference-transaction'), body('custom'));
    chmodSync(join(repo.dir, 'custom-hooks/reference-transaction'), 0o755);
    repo.git(['config', 'core.hooksPath', join(repo.dir, 'custom-hooks')]);
    stage(repo, auth, { 'src/auth/y.ts': 'y\n' });
    expect(commit(repo, auth).code).toBe(0);
    expect(log(repo)).toMatch(/custom prepared\n(.*\n)*custom committed\n/);
  });

  it('a hook added later is chained once parallel init runs again, and doctor says so until then', () => {
    h = hookRepo(['auth']);
    const { repo } = h;
    const hook = join(repo.dir, '.git/hooks/commit-msg');
    writeFileSync(hook, `#!/bin/sh\necho "commit-msg ran" >> "${repo.root}/hook.log"\n`);
    chmodSync(hook, 0o755);
    // A pre-commit too: parallel installs none of its own unless it has one to chain.
    writeFileSync(join(repo.dir, '.git/hooks/pre-commit'), `#!/bin/sh\necho "pre-commit ran" >> "${repo.root}/hook.log"\n`, { mode: 0o755 });
    const doc = repo.parallel(['doctor']);
    expect(doc.code).toBe(1);
    expect(doc.stdout + doc.stderr).toContain('commit-msg');
    expect(doc.stdout + doc.stderr).toContain('your pre-commit hook');
    expect(doc.stdout + doc.stderr).toContain('parallel init');
    expect(repo.parallel(['init']).code).toBe(0);
    stage(repo, h.wt('auth'), { 'src/auth/x.ts': 'x\n' });
    expect(commit(repo, h.wt('auth')).code).toBe(0);
    expect(log(repo)).toContain('commit-msg ran');
    expect(log(repo)).toContain('pre-commit ran');
    expect(repo.parallel(['doctor']).code).toBe(0);
  });
});

describe('the installed hook files', () => {
  it('are parallel\'s by their header, parse, and leave the source\'s comment lines out', () => {
    h = hookRepo(['auth']);
    const dir = join(h.repo.dir, '.git', 'parallel', 'hooks');
    for (const name of ['parallel.sh', 'reference-transaction', 'pre-merge-commit']) {
      const text = readFileSync(join(dir, name), 'utf8');
      if (name !== 'parallel.sh') expect(text.split('\n').slice(0, 3).join('\n')).toContain("parallel's git hook");
      const parsed = spawnSync('sh', ['-n', join(dir, name)], { encoding: 'utf8' });
      expect(parsed.status, parsed.stderr).toBe(0);
      expect(text.split('\n').slice(4).filter((l) => /^\s*#/.test(l))).toEqual([]);
    }
    // A second init changes nothing: it knows its own files.
    const again = h.repo.parallel(['init']);
    expect(again.code).toBe(0);
    expect(again.stdout + again.stderr).not.toContain('was not parallel');
  });
});

describe('husky v9', () => {
  it('checks commits in a new linked worktree (no .husky/_ there) and after npm install re-runs husky', () => {
    h = hookRepo([], undefined, {
      'package.json': '{ "name": "app", "scripts": { "prepare": "husky" } }\n',
      '.husky/pre-commit': `echo "husky pre-commit in $PWD" >> ../hook.log\n`,
    });
    const { repo } = h;
    // npm install runs "prepare": husky sets core.hooksPath=.husky/_ (shared config) and fills .husky/_.
    expect(repo.git(['config', 'core.hooksPath'], { allowFail: true }).stdout.trim()).toBe('');
    const run = (cwd: string) => husky(repo, cwd);
    run(repo.dir);
    expect(repo.git(['config', 'core.hooksPath']).stdout.trim()).toBe('.husky/_');
    expect(repo.parallel(['start', 'auth']).code).toBe(0);
    const auth = h.wt('auth');
    expect(existsSync(join(auth, '.husky/_'))).toBe(false);
    stage(repo, auth, { 'src/ui/button.ts': 'x\n' });
    let r = commit(repo, auth);
    expect(r.code).toBe(REFUSED_COMMIT);
    expect(r.stderr).toContain('auth may not change src/ui/button.ts (owned by ui)');
    repo.git(['reset', '-q', '--hard'], { cwd: auth });
    // The phase's setup runs npm install: husky's prepare fills .husky/_ there and resets the shared config.
    run(auth);
    expect(existsSync(join(auth, '.husky/_/pre-commit'))).toBe(true);
    stage(repo, auth, { 'src/ui/button.ts': 'x\n' });
    r = commit(repo, auth);
    expect(r.code).toBe(REFUSED_COMMIT);
    expect(r.stderr).toContain('auth may not change src/ui/button.ts (owned by ui)');
    repo.git(['reset', '-q', '--hard'], { cwd: auth });
    stage(repo, auth, { 'src/auth/ok.ts': 'ok\n' });
    r = commit(repo, auth);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(repo.root, 'hook.log'), 'utf8')).toContain(`husky pre-commit in ${auth}`);
    expect(repo.parallel(['doctor']).code).toBe(0);
  });
});

/** What "npm install" does with a "prepare": "husky" script: run husky's bin in the package folder. */
function husky(repo: TestRepo, cwd: string): void {
  const res = spawnSync(process.execPath, [HUSKY], { cwd, env: repo.env, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`husky failed: ${res.stderr}`);
}

describe('lefthook', () => {
  it('keeps lefthook\'s hooks running in a new linked worktree, and parallel\'s checks too', () => {
    h = hookRepo([], undefined, {
      'lefthook.yml': `pre-commit:\n  commands:\n    note:\n      run: echo "lefthook pre-commit in $PWD" >> ../hook.log\n`,
    });
    const { repo } = h;
    // An older hook, which lefthook moves aside to pre-commit.old.
    const old = join(repo.dir, '.git/hooks/pre-commit');
    writeFileSync(old, '#!/bin/sh\nexit 0\n');
    chmodSync(old, 0o755);
    const li = spawnSync(LEFTHOOK, ['install'], { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
    expect(li.status, li.stderr + li.stdout).toBe(0);
    expect(existsSync(join(repo.dir, '.git/hooks/pre-commit.old'))).toBe(true);
    expect(repo.parallel(['start', 'auth']).code).toBe(0);
    const auth = h.wt('auth');
    stage(repo, auth, { 'src/auth/ok.ts': 'ok\n' });
    let r = commit(repo, auth);
    expect(r.code, r.stderr).toBe(0);
    expect(log(repo)).toContain(`lefthook pre-commit in ${auth}`);
    stage(repo, auth, { 'src/ui/button.ts': 'x\n' });
    r = commit(repo, auth);
    expect(r.code, r.stderr).toBe(REFUSED_COMMIT);
    expect(r.stderr).toContain('auth may not change src/ui/button.ts (owned by ui)');
    repo.git(['reset', '-q', '--hard'], { cwd: auth });
    // lefthook install inside the phase worktree (e.g. its postinstall during the phase's setup)
    // writes into the folder git uses there, parallel's, moving our pre-commit to pre-commit.old.
    const again = spawnSync(LEFTHOOK, ['install'], { cwd: auth, env: repo.env, encoding: 'utf8' });
    expect(again.status).toBe(0);
    stage(repo, auth, { 'src/ui/button.ts': 'x\n' });
    r = commit(repo, auth);
    // reference-transaction, which judges the commit, still refuses it.
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('auth may not change src/ui/button.ts (owned by ui)');
    repo.git(['reset', '-q', '--hard'], { cwd: auth });
    // doctor sees it, and parallel init puts the pre-commit check back.
    const doc = repo.parallel(['doctor']);
    expect(doc.code).toBe(1);
    expect(doc.stdout).toContain('the pre-commit hook in');
    expect(repo.parallel(['init']).code).toBe(0);
    stage(repo, auth, { 'src/ui/button.ts': 'x\n' });
    r = commit(repo, auth);
    expect(r.code).toBe(REFUSED_COMMIT);
    expect(r.stderr).toContain('parallel: auth may not change src/ui/button.ts (owned by ui).');
    repo.git(['reset', '-q', '--hard'], { cwd: auth });
    expect(repo.parallel(['doctor']).code).toBe(0);
  });
});


describe('finding parallel from a hook', () => {
  it('explains a refusal with nothing but git and a shell on PATH (no node, no node_modules)', () => {
    h = hookRepo(['auth']);
    const { repo } = h;
    const bin = join(repo.root, 'bin');
    mkdirSync(bin);
    for (const tool of ['git', 'sh', 'touch', 'mv', 'rm', 'mkdir', 'nohup']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (found) symlinkSync(found, join(bin, tool));
    }
    const env = { PATH: bin };
    const auth = h.wt('auth');
    expect(existsSync(join(auth, 'node_modules'))).toBe(false);
    stage(repo, auth, { 'src/ui/button.ts': 'x\n' });
    const r = repo.git(['commit', '-q', '-m', 'x'], { cwd: auth, env, allowFail: true });
    expect(r.code).toBe(REFUSED_COMMIT);
    expect(r.stderr).toContain('parallel: auth may not change src/ui/button.ts (owned by ui).');
  });
});
