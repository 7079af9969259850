/**
 * Every bad plan the issue lists gets exit 2, `file:line:col`, what is wrong and how to fix it,
 * and never a stack trace, through the built CLI (`parallel check` reads the working copy).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo, SPEC_PLAN } from '../helpers/repo.js';

let repo: TestRepo;
beforeAll(() => {
  repo = new TestRepo();
  repo.commit({ 'README.md': 'hi\n' }, 'init');
});
afterAll(() => repo.cleanup());

const HEAD = 'version: 1\nname: demo\n';

function checkPlan(text: string | Buffer, args: string[] = []) {
  const file = join(repo.dir, '.parallel.yml');
  rmSync(file, { recursive: true, force: true });
  writeFileSync(file, text);
  return repo.parallel(['check', ...args]);
}

/** Assert the common contract and return stderr. */
function expectInvalid(text: string | Buffer, ...located: [number, number, RegExp][]): string {
  const r = checkPlan(text);
  expect(r.code, r.stderr + r.stdout).toBe(2);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.stderr).toMatch(/parallel: the plan is invalid \(\d+ problems?\); fix/);
  for (const [line, col, what] of located) {
    const row = r.stderr.split('\n').find((l) => l.startsWith(`.parallel.yml:${line}:${col}: `) && what.test(l));
    expect(row, `expected .parallel.yml:${line}:${col} matching ${what} in:\n${r.stderr}`).toBeDefined();
  }
  return r.stderr;
}

describe('YAML-level problems', () => {
  it('duplicate keys name the key and the first line', () => {
    expectInvalid(`${HEAD}phases:\n  - id: a\n    task: one\n    task: two\n`, [6, 5, /duplicate key "task" \(first at line 5\).*remove/]);
  });
  it('unknown keys, with a suggestion, and a literal "<<" merge key', () => {
    expectInvalid(`${HEAD}phase:\n  - id: a\n`, [3, 1, /unknown key "phase"; did you mean "phases"\?/], [1, 1, /missing "phases"/]);
    expectInvalid(`${HEAD}phases:\n  - id: a\n    <<: {task: x}\n`, [5, 5, /unknown key "<<"; YAML merge keys .* not supported/]);
  });
  it('any alias, and an alias bomb, is refused before expansion', () => {
    expectInvalid(`${HEAD}shared: &s [a]\ncopy: *s\nphases:\n  - id: a\n`, [4, 7, /aliases \("\*s"\) are not allowed.*write the value out/]);
    const bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n';
    const r = checkPlan(bomb);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.parallel\.yml:2:\d+: YAML aliases/);
  });
  it('two YAML documents', () => {
    expectInvalid(`${HEAD}phases:\n  - id: a\n---\nversion: 1\n`, [5, 1, /more than one YAML document.*keep a single document/]);
  });
  it('a YAML syntax error', () => {
    expectInvalid(`${HEAD}phases:\n  - id: [a\n`, [5, 1, /YAML syntax error: .*; fix the indentation or quote the value/]);
  });
  it('an empty plan, and one with only comments', () => {
    expectInvalid('', [1, 1, /the plan is empty.*parallel init/]);
    expectInvalid('# nothing yet\n', [1, 1, /the plan is empty/]);
  });
});

describe('shape and types', () => {
  it('wrong types: a string where a list belongs, a number where text belongs says quote it', () => {
    expectInvalid(`version: 1\nname: 123\nphases:\n  - id: a\n    owns: src/\n    task: 42\n`,
      [2, 7, /"name" must be text, not the number 123; quote it \("123"\)/],
      [5, 11, /phase "a": "owns" must be a list, not the text "src\/"; write it as a list: owns: \[src\/\]/],
      [6, 11, /phase "a": "task" must be text, not the number 42; quote it/]);
  });
  it('version 2, missing version/name/phases, no phases', () => {
    expectInvalid(`version: 2\nname: x\nphases:\n  - id: a\n`, [1, 10, /unsupported version 2; this parallel reads "version: 1"/]);
    expectInvalid(`shared: []\n`, [1, 1, /missing "version"/], [1, 1, /missing "name"/], [1, 1, /missing "phases"/]);
    expectInvalid(`${HEAD}phases: []\n`, [3, 9, /"phases" must be a list with at least one phase/]);
  });
  it('bad ports, durations and retries', () => {
    expectInvalid(`${HEAD}ports: { base: 65535 }\ntimeouts: { heartbeat: 5 minutes }\ntest_retries: -1\nphases:\n  - id: a\n  - id: b\n`,
      [3, 16, /"ports.base" 65535 plus 2 phases passes 65535; choose a lower base/],
      [4, 24, /"timeouts.heartbeat" must be a duration like 90s, 5m or 4h/],
      [5, 15, /"test_retries" must be a whole number from 0 to 10/]);
  });
});

describe('phase ids and references', () => {
  it('refuses each bad id in one run, all reported with their lines', () => {
    const ids = ['HEAD', '-rf', 'a..b', 'x.lock', '0123', '$(touch x)', 'Auth', 'integration'];
    const plan = `${HEAD}phases:\n${ids.map((id) => `  - id: ${id}\n`).join('')}`;
    const stderr = expectInvalid(plan, ...ids.map((id, i): [number, number, RegExp] => [4 + i, 9, id === 'integration' ? /"integration" is reserved/ : /is not valid: ids start with a lowercase letter.*e\.g\. "/]));
    expect(stderr).toMatch(/8 problems/);
    expect(stderr).toMatch(/phase id "HEAD" is not valid/);
    expect(stderr).not.toMatch(/""|"phase "/);
  });
  it('duplicate ids, unknown needs, self-need, unknown and self reviews, reviewer with owns', () => {
    expectInvalid(`${HEAD}phases:\n  - id: a\n  - id: a\n  - id: b\n    needs: [nope, b]\n  - id: r\n    reviews: ghost\n  - id: s\n    reviews: s\n  - id: t\n    reviews: b\n    owns: [x/]\n`,
      [5, 9, /duplicate phase id "a"/],
      [7, 13, /phase "b" needs "nope", which is not a phase in this plan; fix the id or add the phase/],
      [7, 19, /phase "b" needs itself; remove "b" from its needs/],
      [9, 14, /phase "r" reviews "ghost", which is not a phase/],
      [11, 14, /phase "s" reviews itself/],
      [14, 5, /phase "t" reviews "b" and so may not have "owns"/]);
  });
  it('a cycle of three is printed as a -> b -> c -> a, also alongside other problems, and fills --json cycle', () => {
    const plan = `${HEAD}phases:\n  - id: a\n    needs: [c]\n  - id: b\n    needs: [a]\n  - id: c\n    needs: [b]\n  - id: d\n    owns: ["../**"]\n`;
    expectInvalid(plan, [4, 9, /phases form a cycle: a -> c -> b -> a; remove one of these "needs"/], [11, 12, /has a "\.\." segment/]);
    const r = repo.json(['check']);
    expect(r.code).toBe(2);
    expect(r.data).toMatchObject({ schema: 1, ok: false, cycle: ['a', 'c', 'b', 'a'], waves: [], overlaps: [] });
  });
});

describe('globs', () => {
  it('refuses ../**, /etc/**, "", !src/**, src\\a, #x, extglobs and an unbalanced [', () => {
    const globs = ['"../**"', '"/etc/**"', '""', '"!src/**"', '"src\\\\a"', '"#x"', '"a/@(b|c)"', '"a[b"'];
    const plan = `${HEAD}phases:\n  - id: a\n    owns:\n${globs.map((g) => `      - ${g}\n`).join('')}`;
    expectInvalid(plan,
      [6, 9, /"\.\.\/\*\*" has a "\.\." segment; patterns must stay inside the repository/],
      [7, 9, /"\/etc\/\*\*" is an absolute path; write it relative to the repository root \(e\.g\. "etc\/\*\*"\)/],
      [8, 9, /empty path pattern/],
      [9, 9, /starts with "!"; negation is not supported, list the path under "exclude:"/],
      [10, 9, /contains a backslash; use forward slashes/],
      [11, 9, /leading "#"/],
      [12, 9, /extglob.*use braces/],
      [13, 9, /unbalanced "\["/]);
  });
});

describe('the plan file itself', () => {
  it('a directory', () => {
    const file = join(repo.dir, '.parallel.yml');
    rmSync(file, { force: true });
    mkdirSync(file);
    const r = repo.parallel(['check']);
    rmSync(file, { recursive: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\.parallel\.yml:1:1: \.parallel\.yml is a directory; it must be a YAML file/);
  });
  it.skipIf(process.getuid?.() === 0)('an unreadable file (skipped as root: root reads anything)', () => {
    checkPlan(SPEC_PLAN);
    chmodSync(join(repo.dir, '.parallel.yml'), 0o000);
    const r = repo.parallel(['check']);
    chmodSync(join(repo.dir, '.parallel.yml'), 0o644);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\.parallel\.yml:1:1: .*cannot be read.*chmod u\+r/);
  });
  it('a 2 MiB file', () => {
    const r = checkPlan(`${HEAD}phases:\n  - id: a\n# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\.parallel\.yml:1:1: the plan is 2\.0 MiB; a plan may be at most 1 MiB/);
  });
  it('a file that is not UTF-8, and one with NUL bytes', () => {
    let r = checkPlan(Buffer.from([...Buffer.from(`${HEAD}phases:\n  - id: caf`), 0xe9, 0x0a]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\.parallel\.yml:1:1: the plan is not valid UTF-8 text; save it as UTF-8/);
    r = checkPlan(Buffer.from('version: 1\0\n'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/contains NUL bytes/);
  });
  it('a committed plan on base that is not UTF-8 is refused by the commands that read it, naming it', () => {
    const r0 = new TestRepo();
    try {
      writeFileSync(join(r0.dir, '.parallel.yml'), Buffer.concat([Buffer.from(SPEC_PLAN.replace('The dashboard', 'The caf')), Buffer.from([0xe9]), Buffer.from('\n')]));
      r0.git(['add', '.parallel.yml']);
      r0.git(['commit', '-q', '-m', 'latin-1 plan']);
      r0.git(['config', 'parallel.base', 'main']);
      const r = r0.parallel(['status']);
      expect(r.code, r.stderr + r.stdout).toBe(2);
      expect(r.stderr).toMatch(/^main:\.parallel\.yml:1:1: the plan is not valid UTF-8 text; save it as UTF-8/m);
    } finally {
      r0.cleanup();
    }
  });

  it('a git dir where the plan cache cannot be written (here .git/parallel is a file) still reads the plan', () => {
    const r0 = new TestRepo();
    try {
      r0.commit({ '.parallel.yml': SPEC_PLAN }, 'plan');
      r0.git(['config', 'parallel.base', 'main']);
      writeFileSync(join(r0.dir, '.git/parallel'), 'not a folder\n');
      for (const args of [['check'], ['status'], ['brief', 'schema']]) {
        const r = r0.parallel(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
    } finally {
      r0.cleanup();
    }
  });

  it('no plan at all says to run parallel init', () => {
    rmSync(join(repo.dir, '.parallel.yml'), { force: true });
    const r = repo.parallel(['check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/there is no \.parallel\.yml.*parallel init/);
  });
  it('a base that differs from the recorded one, with both fixes', () => {
    repo.git(['config', 'parallel.base', 'main']);
    const r = checkPlan(SPEC_PLAN.replace('base: main', 'base: develop'));
    repo.git(['config', '--unset', 'parallel.base']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\.parallel\.yml:3:7: the plan says "base: develop" but this repository records "main".*"base: main".*git config parallel\.base develop/m);
  });
  it('--json carries the problems with file, line and column', () => {
    checkPlan(`${HEAD}phases:\n  - id: Auth\n`);
    const r = repo.json(['check']);
    expect(r.code).toBe(2);
    expect(r.data).toMatchObject({ ok: false, cycle: null, error: { code: 'invalid_plan', problems: [{ file: '.parallel.yml', line: 4, col: 9 }] } });
  });
});
