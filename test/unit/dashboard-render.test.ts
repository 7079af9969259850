/** The dashboard text from plain rows: SPEC's layout, markers, bars, the last error line. */
import { describe, expect, it } from 'vitest';
import { renderDashboard, progressBar } from '../../src/core/dashboard.js';
import { countStates, type PhaseRow } from '../../src/core/phase-state.js';
import { formatEvent } from '../../src/core/event-text.js';

const NOW = Date.parse('2026-11-22T10:45:00Z');
function row(id: string, extra: Partial<PhaseRow>): PhaseRow {
  return {
    id, state: 'pending', session: id, sessions: [id], task: '', progress: 0, message: null, errors: 0, last_error: null,
    started_at: null, last_heartbeat: null, completed_at: null, output_files: [], metadata: {}, branch: `parallel/${id}`, tip: null,
    worktree: null, commits: 0, files_changed: 0, checklist: [], review: null, reviews: null, needs: [], handoff: null, ...extra,
  };
}

describe('renderDashboard', () => {
  const rows = [
    row('schema', { state: 'done', progress: 100, message: 'tables and migrations', commits: 3 }),
    row('auth', { state: 'running', progress: 60, message: 'adding refresh tokens', last_heartbeat: new Date(NOW - 120_000).toISOString(), commits: 5 }),
    row('dashboard', { state: 'failed', progress: 30, message: 'API timeout', commits: 2, errors: 1, last_error: { at: '2026-11-22T10:30:00Z', message: 'API timeout' } }),
    row('review-auth', { reviews: 'auth', session: null, sessions: [] }),
  ];
  const text = renderDashboard({ name: 'client-portal', base: 'main', waves: 3, rows, counts: countStates(rows), now: NOW });
  const lines = text.split('\n');

  it('has SPEC\'s header and counts line', () => {
    expect(lines[0]).toMatch(/^Parallel: client-portal {2,}base main · 4 phases · 3 waves$/);
    expect(lines[1]).toBe('Total 4 | Running 1 | Waiting 0 | Done 1 | Failed 1 | Stale 0 | Timed out 0 | Integrated 0 | Pending 1');
  });

  it('renders one row per phase with marker, bar, percent, message and commits', () => {
    expect(lines[2]).toMatch(/^ {2}\[\+\] schema +\[#{20}\] 100% {2}done: tables and migrations +3 commits$/);
    expect(lines[3]).toMatch(/^ {2}\[~\] auth +\[#{12}-{8}\] {2}60% {2}adding refresh tokens \(2m ago\) +5 commits$/);
    expect(lines[4]).toMatch(/^ {2}\[X\] dashboard +\[#{6}-{14}\] {2}30% {2}FAILED: API timeout +2 commits$/);
    expect(lines[5]).toMatch(/^ {6}last error: \d\d:30 API timeout$/);
    expect(lines[6]).toBe('  [ ] review-auth  pending (reviews auth)');
    expect(lines[7]).toMatch(/^Polled 2026-11-2\d \d\d:45:00$/);
  });

  it('says how long a stale phase was silent, or that its heartbeat is dated ahead, never "just now"', () => {
    const render = (beatMs: number) => renderDashboard({ name: 'w', base: 'main', waves: 1, rows: [row('a', { state: 'stale', last_heartbeat: new Date(NOW + beatMs).toISOString() })], counts: countStates([]), now: NOW }).split('\n')[2];
    expect(render(-2000)).toMatch(/STALE: no heartbeat for 2s /);
    expect(render(-600_000)).toMatch(/STALE: no heartbeat for 10m /);
    expect(render(3 * 3_600_000)).toMatch(/STALE: heartbeat dated 3h ahead \(clock skew\) /);
  });

  it('shows Missing only when a phase is missing, so counts still add up', () => {
    const m = [row('a', { state: 'missing', worktree: '/tmp/x' })];
    const t = renderDashboard({ name: 'w', base: 'main', waves: 1, rows: m, counts: countStates(m), now: NOW });
    expect(t).toMatch(/Missing 1/);
    expect(t).toMatch(/\[M\] a .*MISSING: worktree deleted \(\/tmp\/x\)/);
    expect(text).not.toMatch(/Missing/);
  });

  it('uses colours only when asked', () => {
    expect(text).not.toContain('\u001b[');
    const c = { red: (s: string) => `<r>${s}</r>`, green: (s: string) => s, yellow: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s };
    expect(renderDashboard({ name: 'x', base: 'main', waves: 3, rows, counts: countStates(rows), now: NOW, color: c })).toMatch(/<r>\[X\]<\/r> dashboard/);
  });

  it('progress bars round and clamp', () => {
    expect(progressBar(0)).toBe(`[${'-'.repeat(20)}]`);
    expect(progressBar(52)).toBe(`[${'#'.repeat(10)}${'-'.repeat(10)}]`);
    expect(progressBar(140)).toBe(`[${'#'.repeat(20)}]`);
  });
});

describe('formatEvent', () => {
  it('names phase and session, type, progress and message', () => {
    const line = formatEvent({ at: '2026-11-22T10:30:00Z', id: 'x', type: 'heartbeat', workspace: 'w', phase: 'auth', session: 'auth-2', progress: 60, message: 'tokens' });
    expect(line).toMatch(/^2026-11-22 \d\d:30:00 {2}auth\/auth-2 +heartbeat {2}60% {2}tokens$/);
  });
});
