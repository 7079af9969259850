/** `renderBrief`: what a fresh session reads first, from plain data. */
import { describe, expect, it } from 'vitest';
import { renderBrief, type BriefData } from '../../src/core/brief.js';

const base: BriefData = {
  workspace: 'portal',
  base: 'main',
  phase: {
    id: 'auth', task: 'Login, signup and password reset', owns: ['src/auth/', 'test/auth/'], exclude: ['src/auth/generated/**'],
    criteria: [], checklist: [{ text: 'Login works' }, { text: 'Tests pass', verify: 'npm test -- auth' }],
  },
  session: 'auth',
  branch: 'parallel/auth',
  port: 3101,
  scratchDir: '.parallel/scratch/auth/',
  shared: ['package-lock.json'],
  concurrent: [{ id: 'dashboard', owns: ['src/dashboard/'] }],
  needs: [{ id: 'schema', task: 'Database schema' }],
  test: 'npm test',
  heartbeatTimeout: 5 * 60_000,
};

describe('renderBrief', () => {
  it('has every section a session needs, in one screen', () => {
    const text = renderBrief(base);
    expect(text).toMatch(/^# Brief: auth \(portal\)\n/);
    expect(text).toContain('on branch\n`parallel/auth` (from `main`)');
    expect(text).toContain('## Task\nLogin, signup and password reset');
    expect(text).toContain('- `src/auth/`\n- `test/auth/`\n- except: `src/auth/generated/**`');
    expect(text).toContain('## Shared (any phase may change)\n- `package-lock.json`');
    expect(text).toContain('do not touch\n- dashboard: `src/dashboard/`');
    expect(text).toContain('- **schema**: Database schema');
    expect(text).toContain('1. [ ] Login works\n2. [ ] Tests pass (checked by `npm test -- auth` when you run `parallel done`)');
    expect(text).toContain('- PORT 3101');
    expect(text).toContain('`.parallel/scratch/auth/`');
    expect(text).toContain('at least every 5m');
    for (const cmd of ['heartbeat -p 50', 'task 1', 'error -m', 'handoff -m', 'done -m', 'fail -m']) expect(text).toContain(`\`parallel ${cmd}`);
    expect(text.split('\n').length).toBeLessThanOrEqual(50);
  });

  it('shows the live parts when the store supplies them, and leaves them out otherwise', () => {
    expect(renderBrief(base)).not.toMatch(/Decisions so far|Handoff from/);
    const live = renderBrief({
      ...base,
      phase: { ...base.phase, checklist: [{ text: 'Login works', done: true }, { text: 'Tests pass' }] },
      needs: [{ id: 'schema', task: 'Database schema', delivered: { message: 'users table, migrations', outputs: ['docs/schema.md'], handoff: 'ids are UUIDs\nrun migrate first' } }],
      decisions: [{ at: '2026-11-22T10:30:00.000Z', text: 'Use UUIDs' }],
      handoff: 'login done; reset remains',
    });
    expect(live).toContain('  Done: users table, migrations\n  Outputs: `docs/schema.md`\n  Handoff:\n  > ids are UUIDs\n  > run migrate first');
    expect(live).toContain('## Decisions so far\n- 2026-11-22 10:30 Use UUIDs');
    expect(live).toContain('## Handoff from the previous session\n> login done; reset remains');
    expect(live).toContain('1. [x] Login works');
  });

  it('briefs a reviewer on what to review, its criteria and the review commands, not on committing', () => {
    const text = renderBrief({
      ...base,
      phase: { id: 'review-auth', task: '', owns: [], exclude: [], criteria: ['No hard-coded secrets'], checklist: [], reviews: 'auth' },
      session: 'review-auth',
      branch: undefined,
      reviewed: { id: 'auth', task: 'Login', owns: ['src/auth/'], tip: '0123456789abcdef0123' },
      needs: [],
      scratchDir: '.parallel/scratch/review-auth/',
    });
    expect(text).toContain('reviewing phase **auth** at commit `0123456789ab`');
    expect(text).toContain('every commit here is refused');
    expect(text).toContain('## Review criteria\n- No hard-coded secrets');
    expect(text).toContain('`parallel review approve -m "why"`');
    expect(text).not.toContain('## Checklist');
    expect(text).not.toContain('Commit normally');
  });

  it('keeps a backtick in a path from breaking the markdown', () => {
    const text = renderBrief({ ...base, phase: { ...base.phase, owns: ['src/`odd`/'] } });
    expect(text).toContain("- `src/'odd'/`");
  });
});
