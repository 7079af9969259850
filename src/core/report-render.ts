/**
 * `parallel report`'s page (pure: plain data in, one HTML string out). Self-contained: inline CSS
 * and SVG, no script, nothing fetched, so it works from `file://` and as a CI artifact. The page
 * adds layout, not data: its numbers are those of `status --json`, `log --json` and the
 * integrate runs' events. Every text taken from events, commits and the plan is escaped.
 */
import { esc, token } from './html.js';
import { renderGraph } from './report-graph.js';
import { buildTimeline, type Marker, type SessionBar, type Timeline } from './report-timeline.js';
import { integrateRuns, type IntegrateRun } from './report-runs.js';
import type { PhaseRow } from './phase-state.js';
import type { StatusEvent } from '../store/types.js';
import { REPORT_CSS } from './report-style.js';

export interface ReportConflicts {
  /** The branches compared (phase ids, and `integration` when it exists). */
  branches: string[];
  pairs: { a: string; b: string; files: string[] }[];
}

export interface ReportInput {
  name: string;
  base: string;
  waves: string[][];
  rows: readonly PhaseRow[];
  /** `status --json`'s counts: total and one per state. */
  counts: Record<string, number>;
  /** Every event, oldest first (`log --json`). */
  events: readonly StatusEvent[];
  heartbeatTimeout: number;
  /** The reader's clock (ms): when the page is drawn; open sessions reach it. */
  drawnAt: number;
  since?: number;
  conflicts: ReportConflicts;
}

/** `2026-12-07 09:30:00 UTC`: the same text in every clone and time zone. */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60 ? ` ${s % 60}s` : ''}` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

const label = (state: string) => state.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

function header(input: ReportInput): string {
  const phases = input.rows.length;
  const counts = Object.entries(input.counts).map(([k, n]) => `<span class="count count-${token(k)}" data-state="${esc(k)}">${esc(label(k))} ${n}</span>`).join('');
  return `<header><h1>Parallel: ${esc(input.name)}</h1>`
    + `<p class="meta">base ${esc(input.base)} · ${phases} phase${phases === 1 ? '' : 's'} · ${input.waves.length} wave${input.waves.length === 1 ? '' : 's'}</p>`
    + `<p class="counts">${counts}</p>`
    + `<p class="drawn">Drawn at ${utc(input.drawnAt)}${input.since !== undefined ? ` · events since ${utc(input.since)}` : ''}</p></header>`;
}

// ---- timeline ---------------------------------------------------------------------------------

const LABEL_W = 160;
const PLOT_W = 960;
const LANE_H = 20;
const BAR_H = 14;
const AXIS_H = 28;

function lanes(bars: readonly SessionBar[]): number[] {
  const ends: number[] = [];
  return bars.map((b) => {
    let lane = ends.findIndex((end) => end <= b.from);
    if (lane === -1) lane = ends.push(0) - 1;
    ends[lane] = b.to;
    return lane;
  });
}

function ticks(tl: Timeline, x: (t: number) => number): string {
  const steps = [1000, 5000, 10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 86_400_000];
  const step = steps.find((s) => (tl.to - tl.from) / s <= 8) ?? 86_400_000 * Math.ceil((tl.to - tl.from) / (8 * 86_400_000));
  const out: string[] = [];
  for (let t = Math.ceil(tl.from / step) * step; t <= tl.to; t += step) {
    const iso = new Date(t).toISOString();
    const text = step >= 86_400_000 ? iso.slice(5, 10) : step < 60_000 ? iso.slice(11, 19) : iso.slice(11, 16);
    out.push(`<line class="tick" x1="${x(t)}" x2="${x(t)}" y1="${AXIS_H - 6}" y2="100%"/><text class="tick-label" x="${x(t)}" y="${AXIS_H - 10}" text-anchor="middle">${text}</text>`);
  }
  return out.join('');
}

function markerSvg(m: Marker, cx: number, cy: number): string {
  const cls = `marker marker-${m.kind}${m.variant ? ` marker-${token(m.variant)}` : ''}`;
  const shape = m.kind === 'commit' ? `<circle cx="${cx}" cy="${cy}" r="3.5"/>`
    : m.kind === 'error' ? `<path d="M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx + 4},${cy - 4}L${cx - 4},${cy + 4}"/>`
      : m.kind === 'integrate' ? `<rect x="${cx - 4}" y="${cy - 4}" width="8" height="8" transform="rotate(45 ${cx} ${cy})"/>`
        : `<path d="M${cx},${cy - 5}L${cx + 4.5},${cy + 4}L${cx - 4.5},${cy + 4}z"/>`;
  return `<g class="${cls}"><title>${esc(`${utc(m.at)} ${m.text}`)}</title>${shape}</g>`;
}

function progressLine(bar: SessionBar, x: (t: number) => number, top: number): string {
  if (!bar.progress.length) return '';
  // One point per pixel at most: the page stays small whatever the history.
  const byPixel = new Map<number, number>();
  for (const p of bar.progress) byPixel.set(Math.round(x(Math.max(bar.from, Math.min(bar.to, p.at)))), p.pct);
  const pts: string[] = [];
  let prev: number | undefined;
  for (const [px, pct] of byPixel) {
    const y = (top + BAR_H - 1.5 - (pct / 100) * (BAR_H - 3)).toFixed(1);
    if (prev !== undefined) pts.push(`${px},${prev}`);
    pts.push(`${px},${y}`);
    prev = Number(y);
  }
  pts.push(`${Math.round(x(bar.to))},${prev}`);
  return `<polyline class="progress" points="${pts.join(' ')}"/>`;
}

function barSvg(bar: SessionBar, phase: string, x: (t: number) => number, top: number): string {
  const states = [...new Set(bar.segments.map((s) => (s.reason ? `${s.state}-${s.reason}` : s.state)))];
  const cls = `bar bar-end-${bar.end} ${states.map((s) => `has-${token(s)}`).join(' ')}`;
  const summary = `${phase} / ${bar.session}: ${utc(bar.from)} to ${bar.end === 'open' ? 'now' : utc(bar.to)} (${span(bar.to - bar.from)}), ${bar.end === 'open' ? 'still open' : bar.end === 'left' ? 'taken over by a later session' : bar.end}`;
  const segs = bar.segments.map((s) => {
    const w = Math.max(1, x(s.to) - x(s.from));
    const what = s.reason ? `${s.state} (${s.reason})` : s.state;
    return `<rect class="seg seg-${token(s.state)}${s.reason ? ` reason-${token(s.reason)}` : ''}" x="${x(s.from).toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${BAR_H}"><title>${esc(`${bar.session}: ${what} ${utc(s.from)} to ${utc(s.to)} (${span(s.to - s.from)})`)}</title></rect>`;
  }).join('');
  return `<g class="${cls}" data-session="${esc(bar.session)}" data-end="${bar.end}"><title>${esc(summary)}</title>`
    + `<rect class="bar-frame" x="${x(bar.from).toFixed(1)}" y="${top}" width="${Math.max(1, x(bar.to) - x(bar.from)).toFixed(1)}" height="${BAR_H}"/>`
    + `${segs}${progressLine(bar, x, top)}</g>`;
}

function timelineSvg(tl: Timeline): string {
  const x = (t: number) => Math.round((LABEL_W + ((t - tl.from) / (tl.to - tl.from)) * PLOT_W) * 10) / 10;
  const body: string[] = [];
  let y = AXIS_H;
  for (const row of tl.rows) {
    const lane = lanes(row.bars);
    const h = Math.max(1, ...lane.map((l) => l + 1)) * LANE_H + 8;
    const name = row.id || 'coordinator';
    body.push(`<g class="row${row.id ? '' : ' row-coordinator'}" data-phase="${esc(row.id)}"><rect class="row-bg" x="0" y="${y}" width="${LABEL_W + PLOT_W + 10}" height="${h}"/><text class="row-label" x="8" y="${y + 18}">${esc(name)}</text>`);
    row.bars.forEach((b, i) => body.push(barSvg(b, name, x, y + 4 + lane[i]! * LANE_H)));
    for (const m of row.markers) body.push(markerSvg(m, x(Math.min(tl.to, m.at)), y + 4 + BAR_H / 2));
    body.push('</g>');
    y += h;
  }
  const height = y + 6;
  return `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${LABEL_W + PLOT_W + 20}" height="${height}" viewBox="0 0 ${LABEL_W + PLOT_W + 20} ${height}" role="img" aria-label="timeline">`
    + `<g class="axis">${ticks(tl, x)}</g>${body.join('')}</svg>`;
}

function legend(): string {
  const item = (cls: string, text: string) => `<span class="key"><svg width="22" height="12"><rect class="seg ${cls}" width="22" height="12"/></svg>${text}</span>`;
  return `<p class="legend">${item('seg-running', 'running')}${item('seg-waiting reason-permission', 'waiting: permission')}${item('seg-waiting reason-idle', 'waiting: idle')}${item('seg-waiting reason-exited', 'waiting: exited')}${item('seg-stale', 'stale')}`
    + ' <span class="key">● commit</span><span class="key err">✕ error</span><span class="key">▲ decision, handoff, review</span><span class="key">◆ integrate</span> <span class="key">— progress</span></p>';
}

// ---- integrate runs, conflicts, phases ----------------------------------------------------------

function runHtml(r: IntegrateRun): string {
  const tests = r.tests
    ? `<span class="${r.tests.passed ? 'passed' : 'failed'}">${esc(r.tests.command)} ${r.tests.passed ? 'passed' : 'failed'} in ${r.tests.seconds}s</span>; log: <code>${esc(r.tests.log)}</code>`
    : r.test === null && r.integrated.length ? '<span class="untested">untested (no test command in the plan)</span>' : 'not run';
  const merges = r.merges.length ? `<li>Merge durations: ${r.merges.map((m) => `${esc(m.id)} ${m.seconds}s`).join(', ')}</li>` : '';
  const skipped = r.skipped.length
    ? `<table class="skips"><thead><tr><th>Skipped</th><th>Reason</th><th>Detail</th></tr></thead><tbody>${r.skipped.map((s) => `<tr class="skip skip-${token(s.reason)}" data-phase="${esc(s.id)}"><td>${esc(s.id)}</td><td class="reason">${esc(s.reason)}</td><td>${esc(s.detail)}</td></tr>`).join('')}</tbody></table>`
    : '';
  return `<div class="run" data-job="${esc(r.job)}"><h3>${utc(Date.parse(r.at))} <small>job ${esc(r.job)}</small></h3><ul>`
    + `<li>Integrated: ${r.integrated.length ? r.integrated.map((id) => `<b class="merged">${esc(id)}</b>`).join(', ') : r.base_red ? '<span class="failed">nothing: base is red</span>' : 'nothing'}</li>`
    + `<li>Tested head: ${r.head ? `<code>${esc(r.head)}</code>` : '-'}</li><li>Tests: ${tests}</li>${merges}</ul>${skipped}</div>`;
}

function conflictsHtml(c: ReportConflicts): string {
  if (c.branches.length === 0) return '<p>No phase branches yet; nothing can conflict.</p>';
  const key = (a: string, b: string) => (a < b ? `${a}\0${b}` : `${b}\0${a}`);
  const pairs = new Map(c.pairs.map((p) => [key(p.a, p.b), p]));
  const head = `<tr><th></th>${c.branches.map((b) => `<th>${esc(b)}</th>`).join('')}</tr>`;
  const rows = c.branches.map((a) => `<tr><th>${esc(a)}</th>${c.branches.map((b) => {
    if (a === b) return '<td class="self"></td>';
    const p = pairs.get(key(a, b));
    return p ? `<td class="conflict" title="${esc(p.files.join('\n'))}">${p.files.length}</td>` : '<td class="clean">·</td>';
  }).join('')}</tr>`).join('');
  const list = c.pairs.length
    ? `<ul class="conflict-list">${c.pairs.map((p) => `<li><b>${esc(p.a)}</b> × <b>${esc(p.b)}</b>: ${p.files.map((f) => `<code>${esc(f)}</code>`).join(', ')}</li>`).join('')}</ul>`
    : `<p>No predicted conflicts between ${c.branches.length} branch${c.branches.length === 1 ? '' : 'es'}.</p>`;
  return `<table class="matrix"><thead>${head}</thead><tbody>${rows}</tbody></table>${list}`;
}

function phaseHtml(r: PhaseRow): string {
  const facts = [`${Math.round(r.progress)}%`, `${r.commits} commit${r.commits === 1 ? '' : 's'}`, `${r.errors} error${r.errors === 1 ? '' : 's'}`];
  if (r.needs.length) facts.push(`needs ${r.needs.map(esc).join(', ')}`);
  if (r.reviews) facts.push(`reviews ${esc(r.reviews)}${r.review ? `: ${r.review.verdict}${r.review.stale ? ' (stale)' : ''}` : ''}`);
  const list = r.checklist.length
    ? `<ul class="checklist">${r.checklist.map((c) => `<li class="${c.done ? 'ticked' : 'open'}"><input type="checkbox" disabled${c.done ? ' checked' : ''}> ${esc(c.text)}${c.verify ? ` <small>verified by <code>${esc(c.verify)}</code></small>` : ''}</li>`).join('')}</ul>`
    : '';
  return `<div class="phase state-${token(r.state)}" data-phase="${esc(r.id)}"><h3>${esc(r.id)} <span class="chip state-${token(r.state)}">${esc(r.state.replace(/_/g, ' '))}</span></h3>`
    + `${r.task ? `<p>${esc(r.task)}</p>` : ''}<p class="facts">${facts.join(' · ')}</p>`
    + `${r.message ? `<p class="message">${esc(r.message)}</p>` : ''}${r.last_error ? `<p class="last-error">last error ${utc(Date.parse(r.last_error.at))}: ${esc(r.last_error.message)}</p>` : ''}${list}</div>`;
}

export function renderReport(input: ReportInput): string {
  const tl = buildTimeline({ phases: input.rows.map((r) => r.id), events: input.events, heartbeatTimeout: input.heartbeatTimeout, now: input.drawnAt, ...(input.since !== undefined ? { since: input.since } : {}) });
  const since = input.since;
  const runs = integrateRuns(input.events).filter((r) => since === undefined || Date.parse(r.at) >= since);
  const decisions = input.events.filter((e) => e.type === 'decision');
  const nodes = input.rows.map((r) => ({ id: r.id, state: r.state, task: r.task, needs: r.needs, reviews: r.reviews }));
  return '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    + '<meta name="viewport" content="width=device-width, initial-scale=1">'
    + `<title>Parallel: ${esc(input.name)}</title><style>${REPORT_CSS}</style></head><body>`
    + header(input)
    + `<section id="graph"><h2>Dependency graph</h2>${renderGraph(nodes, input.waves)}</section>`
    + `<section id="timeline"><h2>Timeline</h2>${legend()}<div class="scroll">${timelineSvg(tl)}</div></section>`
    + `<section id="runs"><h2>Integrate runs</h2>${runs.length ? runs.map(runHtml).join('') : '<p>No integrate run yet.</p>'}</section>`
    + `<section id="conflicts"><h2>Predicted conflicts</h2>${conflictsHtml(input.conflicts)}</section>`
    + `<section id="phases"><h2>Phases</h2>${input.rows.map(phaseHtml).join('')}</section>`
    + `<section id="decisions"><h2>Decisions</h2>${decisions.length ? `<ol class="decisions">${decisions.map((d) => `<li><time>${utc(Date.parse(d.at))}</time> ${esc(d.message ?? '')}</li>`).join('')}</ol>` : '<p>No decisions recorded yet.</p>'}</section>`
    + '</body></html>\n';
}
