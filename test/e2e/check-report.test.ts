/** `parallel check` on valid plans: waves, overlaps with witnesses, unowned files, warnings, conflicts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo, SPEC_PLAN } from '../helpers/repo.js';

interface CheckJson {
  schema: number; ok: boolean; waves: string[][]; overlaps: { a: string; b: string; witness: string }[];
  cycle: string[] | null; unowned: { count: number; examples: string[] }; conflicts: { a: string; b: string; files: string[] }[];
  warnings: string[]; notes: string[];
}

let repo: TestRepo;
beforeAll(() => {
  repo = new TestRepo();
  repo.commit({
    '.parallel.yml': SPEC_PLAN,
    'src/db/schema.sql': 'create table users;\n',
    'src/db/generated/types.ts': 'export {};\n',
    'src/auth/login.ts': 'export {};\n',
    'README.md': '# demo\n',
    'docs/guide.md': 'guide\n',
    'package.json': '{}\n',
  }, 'init');
});
afterAll(() => repo.cleanup());

describe('parallel check', () => {
  it('reports SPEC\'s example: waves with the reviewer after the phase it reviews, no overlap, exit 0', () => {
    const r = repo.json<CheckJson>(['check']);
    expect(r.code).toBe(0);
    expect(r.data).toMatchObject({ schema: 1, ok: true, waves: [['schema'], ['auth', 'dashboard'], ['review-auth']], overlaps: [], cycle: null, conflicts: [], warnings: [] });
    // The excluded generated file, README and docs belong to nobody; the plan file is the coordinator's.
    expect(r.data.unowned).toEqual({ count: 4, examples: ['README.md', 'docs/guide.md', 'package.json', 'src/db/generated/types.ts'] });
    // The same from a subdirectory: paths stay relative to the top of the worktree.
    expect(repo.json<CheckJson>(['check'], { cwd: `${repo.dir}/src/auth` }).data.unowned).toEqual(r.data.unowned);
    const text = repo.parallel(['check']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('  2. auth, dashboard');
    expect(text.stdout).toMatch(/Unowned tracked files: 4/);
    expect(text.stdout).toMatch(/no base branch is recorded yet; run "parallel init"/);
  });

  it('reports an overlap between phases that may run at once with a witness under src/auth/, exit 1', () => {
    repo.write('.parallel.yml', `version: 1\nname: demo\nshared: [package.json, docs/**]\nphases:\n  - id: core\n    owns: ["src/**", README.md]\n  - id: auth\n    owns: [src/auth/**]\n  - id: later\n    needs: [core]\n    owns: [src/**]\n`);
    const r = repo.json<CheckJson>(['check']);
    expect(r.code).toBe(1);
    expect(r.data.ok).toBe(false);
    // later needs core (a relay) and so may own the same paths; auth and later may run at once.
    expect(r.data.overlaps).toEqual([{ a: 'core', b: 'auth', witness: 'src/auth/x' }, { a: 'auth', b: 'later', witness: 'src/auth/x' }]);
    expect(r.data.unowned.count).toBe(0);
    const text = repo.parallel(['check']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('core and auth both own "src/auth/x"');
    expect(text.stdout).toMatch(/Fix: narrow one phase's "owns"/);
    expect(text.stdout).toMatch(/differs from the committed one/);
  });

  it('warns when a wave holds more than 5 phases and when a phase owns nothing', () => {
    const phases = Array.from({ length: 6 }, (_, i) => `  - id: p${i}\n    owns: [dir${i}/]\n`).join('');
    repo.write('.parallel.yml', `version: 1\nname: demo\nphases:\n${phases}  - id: idle\n    needs: [p0]\n`);
    const r = repo.json<CheckJson>(['check']);
    expect(r.code).toBe(0);
    expect(r.data.warnings).toEqual([
      expect.stringMatching(/^phase "idle" owns nothing, so its commits may change only shared paths/),
      expect.stringMatching(/^wave 1 holds 6 phases at once; coordination cost grows past 3-5/),
    ]);
  });

  it('predicts conflicts between existing phase branches', () => {
    repo.write('.parallel.yml', SPEC_PLAN);
    for (const [id, text] of [['auth', 'auth version\n'], ['dashboard', 'dashboard version\n']] as const) {
      repo.git(['checkout', '-q', '-b', `parallel/${id}`, 'main']);
      repo.commit({ 'src/db/schema.sql': text }, id);
    }
    repo.git(['checkout', '-q', 'main']);
    const r = repo.json<CheckJson>(['check']);
    expect(r.code).toBe(0);
    expect(r.data.conflicts).toEqual([{ a: 'auth', b: 'dashboard', files: ['src/db/schema.sql'] }]);
    expect(repo.parallel(['check']).stdout).toMatch(/Predicted conflicts between phase branches: 1[^\n]*\n  auth x dashboard: src\/db\/schema\.sql/);
  });

  it('matches NFC-normalized paths: a decomposed file name is owned by a composed pattern', () => {
    repo.commit({ 'cafe\u0301/menu.txt': 'x\n' }, 'nfd name');
    repo.write('.parallel.yml', 'version: 1\nname: demo\nshared: ["**"]\nphases:\n  - id: menu\n    owns: ["caf\u00e9/"]\n  - id: rest\n    owns: [src/]\n');
    const r = repo.json<CheckJson>(['check']);
    expect(r.code).toBe(0);
    repo.write('.parallel.yml', 'version: 1\nname: demo\nphases:\n  - id: menu\n    owns: ["caf\u00e9/"]\n');
    const only = repo.json<CheckJson>(['check']);
    expect(only.data.unowned.examples).not.toContain('caf\u00e9/menu.txt');
    expect(only.data.unowned.examples).not.toContain('cafe\u0301/menu.txt');
  });

  it('compares the working plan with the one committed on the recorded base, not with HEAD\'s', () => {
    const r0 = new TestRepo();
    try {
      r0.commit({ '.parallel.yml': SPEC_PLAN, 'README.md': 'x\n' }, 'init');
      r0.git(['config', 'parallel.base', 'main']);
      // A coordinator's branch that commits a new plan: it is not on base yet.
      r0.git(['checkout', '-q', '-b', 'plan-edit']);
      r0.commit({ '.parallel.yml': SPEC_PLAN.replace('The dashboard', 'The new dashboard') }, 'new plan');
      const onBranch = r0.json<CheckJson>(['check']);
      expect(onBranch.data.notes.join('\n')).toMatch(/differs from the committed one/);
      // The same text as base's: no note, though HEAD's differs.
      r0.write('.parallel.yml', SPEC_PLAN);
      expect(r0.json<CheckJson>(['check']).data.notes.join('\n')).not.toMatch(/differs/);
    } finally {
      r0.cleanup();
    }
  });
});
