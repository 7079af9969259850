/** The report page and its timeline from plain data: bars, segments, markers, runs, escaping. */
import { describe, expect, it } from 'vitest';
import { renderReport, type ReportInput } from '../../src/core/report-render.js';
import { buildTimeline, sessionBars } from '../../src/core/report-timeline.js';
import { integrateRuns } from '../../src/core/report-runs.js';
import { countStates, type PhaseRow } from '../../src/core/phase-state.js';
import type { StatusEvent } from '../../src/store/types.js';

const T0 = Date.parse('2026-12-07T09:00:00Z');
const MIN = 60_000;
let n = 0;
function ev(min: number, type: string, phase: string, extra: Partial<StatusEvent> = {}): StatusEvent {
  const at = new Date(T0 + min * MIN).toISOString();
  return { at, id: `${at}-${n++}`, type: type as StatusEvent['type'], workspace: 'w', phase, session: extra.session ?? (phase || 'coordinator'), ...extra };
}
function row(id: string, extra: Partial<PhaseRow> = {}): PhaseRow {
  return {
    id, state: 'pending', session: null, sessions: [], task: `task of ${id}`, progress: 0, message: null, errors: 0, last_error: null,
    started_at: null, last_heartbeat: null, completed_at: null, output_files: [], metadata: {}, branch: `parallel/${id}`, tip: null,
    worktree: null, commits: 0, files_changed: 0, checklist: [], review: null, reviews: null, needs: [], handoff: null, ...extra,
  };
}
function input(rows: PhaseRow[], events: StatusEvent[], extra: Partial<ReportInput> = {}): ReportInput {
  return {
    name: 'shop', base: 'main', waves: [rows.filter((r) => !r.needs.length).map((r) => r.id), rows.filter((r) => r.needs.length).map((r) => r.id)].filter((w) => w.length),
    rows, counts: countStates(rows), events, heartbeatTimeout: 5 * MIN, drawnAt: T0 + 120 * MIN,
    conflicts: { branches: [], pairs: [] }, ...extra,
  };
}

describe('sessionBars', () => {
  it('splits a bar into running, stale and waiting segments and ends it at done', () => {
    const bars = sessionBars([
      ev(0, 'start', 'a'), ev(2, 'heartbeat', 'a', { progress: 20 }),
      ev(20, 'heartbeat', 'a'), // 18 minutes of silence: stale from 7 to 20
      ev(25, 'heartbeat', 'a', { waiting_reason: 'permission' }), ev(30, 'heartbeat', 'a'),
      ev(33, 'done', 'a'),
    ], 5 * MIN, T0 + 100 * MIN);
    expect(bars).toHaveLength(1);
    const b = bars[0]!;
    expect(b.end).toBe('done');
    expect([b.from, b.to]).toEqual([T0, T0 + 33 * MIN]);
    expect(b.segments.map((s) => [s.state, s.reason, (s.from - T0) / MIN, (s.to - T0) / MIN])).toEqual([
      ['running', undefined, 0, 7], ['stale', undefined, 7, 20], ['running', undefined, 20, 25],
      ['waiting', 'permission', 25, 30], ['running', undefined, 30, 33],
    ]);
    expect(b.progress.map((p) => p.pct)).toEqual([20, 100]);
  });

  it('keeps an open session going to the end of the axis, stale after the timeout', () => {
    const [b] = sessionBars([ev(0, 'start', 'a'), ev(1, 'commit', 'a', { commit: 'abc' })], 5 * MIN, T0 + 60 * MIN);
    expect(b!.end).toBe('open');
    expect(b!.segments.map((s) => s.state)).toEqual(['running', 'stale']);
    expect(b!.to).toBe(T0 + 60 * MIN);
  });

  it('a waiting session is not stale (waiting wins), and an exited agent stays waiting', () => {
    const [b] = sessionBars([ev(0, 'start', 'a'), ev(1, 'heartbeat', 'a', { waiting_reason: 'exited' })], 5 * MIN, T0 + 60 * MIN);
    expect(b!.segments.map((s) => `${s.state}:${s.reason ?? ''}`)).toEqual(['running:', 'waiting:exited']);
  });

  it('a heartbeat after done changes nothing; a new start opens a second bar', () => {
    const bars = sessionBars([ev(0, 'start', 'a'), ev(5, 'fail', 'a'), ev(6, 'heartbeat', 'a'), ev(10, 'start', 'a'), ev(12, 'done', 'a')], 5 * MIN, T0 + 60 * MIN);
    expect(bars.map((b) => [b.end, (b.from - T0) / MIN, (b.to - T0) / MIN])).toEqual([['failed', 0, 5], ['done', 10, 12]]);
  });
});

describe('buildTimeline', () => {
  const events = [
    ev(0, 'decision', '', { message: 'use postgres' }),
    ev(1, 'start', 'a'), ev(3, 'commit', 'a', { commit: 'c0ffee1', message: 'tables' }), ev(4, 'error', 'a', { message: 'oops' }),
    ev(6, 'done', 'a'),
    ev(7, 'start', 'b'), ev(9, 'heartbeat', 'b'),
    ev(10, 'start', 'b', { session: 'b2' }), ev(12, 'done', 'b', { session: 'b2' }),
    ev(11, 'start', 'c'), ev(12, 'review', 'c', { verdict: 'reject', reviews: 'b', tip: 'feedbeef00', message: 'needs <tests>' }),
  ];

  it('puts decisions on the coordinator row, the rest on phase rows, a relay as two bars', () => {
    const tl = buildTimeline({ phases: ['a', 'b', 'c'], events, heartbeatTimeout: 5 * MIN, now: T0 + 500 * MIN });
    expect(tl.rows.map((r) => r.id)).toEqual(['', 'a', 'b', 'c']);
    expect(tl.rows[0]!.markers.map((m) => m.kind)).toEqual(['decision']);
    expect(tl.rows[1]!.markers.map((m) => m.kind)).toEqual(['commit', 'error']);
    expect(tl.rows[2]!.bars.map((b) => [b.session, b.end, (b.to - T0) / MIN])).toEqual([['b', 'left', 10], ['b2', 'done', 12]]);
    // A verdict ends the reviewer's session and is a marker with its hover text.
    expect(tl.rows[3]!.bars.map((b) => b.end)).toEqual(['done']);
    expect(tl.rows[3]!.markers).toEqual([{ kind: 'review', at: T0 + 12 * MIN, variant: 'reject', text: 'reject b@feedbee: needs <tests>' }]);
    // Nothing is open: the axis ends at the last event, whatever the reader's clock.
    expect([tl.from, tl.to]).toEqual([T0, T0 + 12 * MIN]);
  });

  it('--since clips bars and drops older markers', () => {
    const tl = buildTimeline({ phases: ['a', 'b'], events, heartbeatTimeout: 5 * MIN, now: T0 + 500 * MIN, since: T0 + 5 * MIN });
    expect(tl.from).toBe(T0 + 5 * MIN);
    expect(tl.rows[1]!.bars[0]!.from).toBe(T0 + 5 * MIN);
    expect(tl.rows[1]!.markers).toEqual([]);
    expect(tl.rows[0]!.markers).toEqual([]);
  });
});

describe('integrateRuns', () => {
  it('reads run events and pieces older runs together from per-phase events', () => {
    const runs = integrateRuns([
      ev(1, 'integrate', 'a', { job: 'j0', result: 'integrated', head: 'h0' }),
      ev(1, 'integrate', 'b', { job: 'j0', result: 'skipped', reason: 'conflict', message: 'not integrated (conflict): x.ts with a' }),
      ev(5, 'integrate', '', { job: 'j1', integrated: ['c'], skipped: [{ id: 'd', reason: 'red', detail: 'tests fail' }], tests: { command: 'npm test', passed: true, seconds: 4.2, log: '/l.log' }, head: 'h1', test: 'npm test', base_red: false, merges: [{ id: 'c', seconds: 0.3 }] }),
    ]);
    expect(runs.map((r) => r.job)).toEqual(['j0', 'j1']);
    expect(runs[0]).toMatchObject({ integrated: ['a'], skipped: [{ id: 'b', reason: 'conflict', detail: 'x.ts with a' }], head: 'h0' });
    expect(runs[1]).toMatchObject({ integrated: ['c'], tests: { command: 'npm test', passed: true, seconds: 4.2 }, merges: [{ id: 'c', seconds: 0.3 }] });
  });
});

describe('renderReport', () => {
  const rows = [
    row('schema', { state: 'integrated', progress: 100, checklist: [{ index: 1, text: 'Products <table>', done: true }, { index: 2, text: 'Orders', done: false }] }),
    row('auth', { state: 'running', needs: ['schema'], progress: 40, message: '<script>document.title="pwned"</script>' }),
    row('review-auth', { reviews: 'auth', needs: [] }),
  ];
  const events = [
    ev(0, 'start', 'schema'), ev(2, 'done', 'schema'),
    ev(3, 'integrate', '', { job: 'j1', integrated: ['schema'], skipped: [{ id: 'auth', reason: 'not_done', detail: 'it is running' }], tests: null, test: null, head: 'abc', base_red: false, merges: [] }),
    ev(4, 'start', 'auth'), ev(5, 'heartbeat', 'auth', { progress: 40, message: '<script>document.title="pwned"</script>' }),
    ev(6, 'decision', '', { message: 'ship <b>it</b> & "go"' }),
  ];
  const html = renderReport(input(rows, events, { conflicts: { branches: ['schema', 'auth'], pairs: [{ a: 'schema', b: 'auth', files: ['src/<x>.ts'] }] } }));

  it('is one self-contained page: no script, no external reference', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\((?!#)/);
  });

  it('escapes everything taken from events, commits and the plan', () => {
    expect(html).toContain('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;');
    expect(html).toContain('ship &lt;b&gt;it&lt;/b&gt; &amp; &quot;go&quot;');
    expect(html).toContain('Products &lt;table&gt;');
    expect(html).toContain('src/&lt;x&gt;.ts');
  });

  it('has the header counts, a graph node per phase coloured by state, and the reviews arrow', () => {
    expect(html).toContain('<h1>Parallel: shop</h1>');
    expect(html).toMatch(/base main · 3 phases · 2 waves/);
    expect(html).toMatch(/data-state="total">Total 3</);
    expect(html).toMatch(/data-state="integrated">Integrated 1</);
    for (const [id, state] of [['schema', 'integrated'], ['auth', 'running'], ['review-auth', 'pending']]) {
      expect(html).toContain(`<g class="node state-${state}" data-phase="${id}">`);
    }
    expect(html).toMatch(/class="edge edge-needs"[^>]*><title>auth needs schema/);
    expect(html).toMatch(/class="edge edge-reviews"[^>]*><title>review-auth reviews auth/);
  });

  it('draws a row per phase, a bar per session, the run with its skip reason, the matrix and live boxes', () => {
    for (const id of ['schema', 'auth', 'review-auth']) expect(html).toContain(`<g class="row" data-phase="${id}">`);
    expect(html).toMatch(/<g class="bar bar-end-done has-running" data-session="schema"/);
    expect(html).toMatch(/<g class="bar bar-end-open has-running[^"]*" data-session="auth"/);
    expect(html).toMatch(/<tr class="skip skip-not_done" data-phase="auth"><td>auth<\/td><td class="reason">not_done<\/td><td>it is running<\/td>/);
    expect(html).toMatch(/<td class="conflict" title="src\/&lt;x&gt;.ts">1<\/td>/);
    expect(html).toContain('<input type="checkbox" disabled checked> Products &lt;table&gt;');
    expect(html).toContain('<input type="checkbox" disabled> Orders');
    expect(html).toMatch(/class="marker marker-integrate marker-run"/);
    expect(html).toMatch(/class="marker marker-decision"/);
  });

  it('draws an empty store (nothing started) and a long history, staying small', () => {
    const empty = renderReport(input([row('a'), row('b')], []));
    expect(empty).toContain('<g class="row" data-phase="a">');
    expect(empty).toContain('No integrate run yet.');
    const many: StatusEvent[] = [];
    const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
    for (const id of ids) {
      many.push(ev(0, 'start', id));
      for (let i = 1; i < 500; i++) many.push(ev(i / 10, i % 50 === 7 ? 'error' : 'heartbeat', id, { progress: i / 5, message: `step ${i}` }));
    }
    const big = renderReport(input(ids.map((id) => row(id, { state: 'running' })), many, { drawnAt: T0 + 50 * MIN }));
    expect(Buffer.byteLength(big)).toBeLessThan(1_000_000);
    expect(big.match(/<g class="bar /g)).toHaveLength(20);
  });
});
