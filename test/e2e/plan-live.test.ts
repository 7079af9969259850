/**
 * `parallel plan` shows live state from the coordination store: ticked checklist items as `[x]`
 * (a relay keeps its predecessor's ticks) and the decisions log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRepo, addPhase, type TestRepo } from './store-fixture.js';

describe('parallel plan with live data', () => {
  let repo: TestRepo;
  let schema: string;
  beforeAll(() => {
    repo = planRepo();
    schema = addPhase(repo, 'schema');
  });
  afterAll(() => repo.cleanup());

  it('starts with empty boxes and no decisions', () => {
    const r = repo.parallel(['plan']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('- [ ] Create the users table');
    expect(r.stdout).not.toContain('Use UUID v7');
  });

  it('ticks what sessions ticked and lists decisions', () => {
    expect(repo.parallel(['task', '1'], { cwd: schema }).code).toBe(0);
    expect(repo.parallel(['decide', 'Use UUID v7 for all ids']).code).toBe(0);
    const r = repo.parallel(['plan']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('- [x] Create the users table');
    expect(r.stdout).toContain('- [ ] Migrations run cleanly');
    expect(r.stdout).toContain('Use UUID v7 for all ids');
    const j = JSON.parse(repo.parallel(['plan', '--format', 'json']).stdout) as { decisions?: { text: string }[] };
    expect(JSON.stringify(j)).toContain('Use UUID v7 for all ids');
  });

  it('an untick wins over the earlier tick', () => {
    expect(repo.parallel(['task', '1', '--undo'], { cwd: schema }).code).toBe(0);
    expect(repo.parallel(['plan']).stdout).toContain('- [ ] Create the users table');
  });
});
