/**
 * The dashboard as text (pure). One header, one counts line that adds up to the total, one row per
 * phase (marker, progress bar, percent, message, age of the last heartbeat, commits), the last
 * error under a phase that has one, and the poll time.
 */
import { formatDuration } from './duration.js';
import type { Counts, PhaseRow, PhaseState } from './phase-state.js';

export interface DashboardInput {
  name: string;
  base: string;
  waves: number;
  rows: readonly PhaseRow[];
  counts: Counts;
  now: number;
  color?: {
    red(s: string): string;
    green(s: string): string;
    yellow(s: string): string;
    dim(s: string): string;
    bold(s: string): string;
  };
}

export const MARKERS: Record<PhaseState, string> = {
  pending: '[ ]',
  running: '[~]',
  waiting: '[?]',
  stale: '[!]',
  timed_out: '[T]',
  missing: '[M]',
  done: '[+]',
  failed: '[X]',
  integrated: '[=]',
};

const BAR = 20;
const MESSAGE_WIDTH = 44;
const WIDTH = 80;

export function progressBar(pct: number): string {
  const filled = Math.max(0, Math.min(BAR, Math.round((pct / 100) * BAR)));
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}]`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function truncate(s: string, width: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > width ? `${one.slice(0, width - 1)}…` : one;
}

function ago(now: number, iso: string | null): string {
  if (!iso) return '';
  const ms = Math.max(0, now - Date.parse(iso));
  return ms < 5000 ? 'just now' : `${formatDuration(ms)} ago`;
}

/** Why a stale phase is stale: how long it has been silent, or a heartbeat dated in the future. */
function silence(now: number, iso: string | null): string {
  const ms = iso ? now - Date.parse(iso) : NaN;
  if (!Number.isFinite(ms)) return 'no heartbeat';
  if (ms < 0) return `heartbeat dated ${formatDuration(-ms)} ahead (clock skew)`;
  return `no heartbeat for ${formatDuration(ms)}`;
}

/** `HH:MM` of an ISO time in the reader's time zone. */
export function clock(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function stamp(now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function describe(row: PhaseRow, now: number): string {
  const msg = row.message ?? '';
  switch (row.state) {
    case 'done':
      return `done${msg ? `: ${msg}` : ''}`;
    case 'integrated':
      return `integrated${msg ? `: ${msg}` : ''}`;
    case 'failed':
      return `FAILED${msg ? `: ${msg}` : ''}`;
    case 'running':
      return `${msg || 'running'} (${ago(now, row.last_heartbeat)})`;
    case 'waiting':
      return `WAITING (${row.waiting_reason}) for ${ago(now, row.waiting?.since ?? row.last_heartbeat).replace(/ ago$/, '')}${row.waiting?.message ? `: ${row.waiting.message}` : ''}`;
    case 'stale':
      return `STALE: ${silence(now, row.last_heartbeat)}${msg ? ` (${msg})` : ''}`;
    case 'timed_out':
      return `TIMED OUT: running for ${ago(now, row.started_at).replace(/ ago$/, '')}${msg ? ` (${msg})` : ''}`;
    case 'missing':
      if (row.missing?.reason === 'branch') return 'MISSING: branch deleted or renamed';
      return `MISSING: worktree deleted${row.worktree ? ` (${row.worktree})` : ''}`;
    default:
      return 'pending';
  }
}

export function renderDashboard(input: DashboardInput): string {
  const c = input.color;
  const paint = (state: PhaseState, s: string): string => {
    if (!c) return s;
    if (state === 'failed' || state === 'timed_out' || state === 'missing') return c.red(s);
    if (state === 'stale' || state === 'waiting') return c.yellow(s);
    if (state === 'done' || state === 'integrated') return c.green(s);
    if (state === 'pending') return c.dim(s);
    return s;
  };
  const left = `Parallel: ${input.name}`;
  const right = `base ${input.base} · ${plural(input.rows.length, 'phase')} · ${plural(input.waves, 'wave')}`;
  const lines = [`${c ? c.bold(left) : left}${' '.repeat(Math.max(2, WIDTH - left.length - right.length))}${right}`];
  const k = input.counts;
  const parts = [`Total ${k.total}`, `Running ${k.running}`, `Waiting ${k.waiting}`, `Done ${k.done}`, `Failed ${k.failed}`, `Stale ${k.stale}`, `Timed out ${k.timed_out}`];
  if (k.missing) parts.push(`Missing ${k.missing}`);
  parts.push(`Integrated ${k.integrated}`, `Pending ${k.pending}`);
  lines.push(parts.join(' | '));
  const idWidth = Math.max(0, ...input.rows.map((r) => r.id.length));
  const texts = input.rows.map((r) => truncate(describe(r, input.now), MESSAGE_WIDTH));
  const msgWidth = Math.max(0, ...texts.map((t, i) => (input.rows[i]!.state === 'pending' ? 0 : t.length)));
  input.rows.forEach((row, i) => {
    const marker = paint(row.state, MARKERS[row.state]);
    if (row.state === 'pending') {
      const why = row.reviews ? ` (reviews ${row.reviews})` : row.needs.length ? ` (needs ${row.needs.join(', ')})` : '';
      lines.push(`  ${marker} ${row.id.padEnd(idWidth)}  ${paint(row.state, `pending${why}`)}`);
      return;
    }
    const pct = `${String(Math.round(row.progress)).padStart(3)}%`;
    const tail = row.reviews ? reviewNote(row) : plural(row.commits, 'commit');
    lines.push(`  ${marker} ${row.id.padEnd(idWidth)}  ${progressBar(row.progress)} ${pct}  ${paint(row.state, texts[i]!.padEnd(msgWidth))}  ${tail}`.trimEnd());
    if (row.last_error && row.state !== 'integrated') {
      const count = row.errors > 1 ? ` (${row.errors} errors)` : '';
      lines.push(`      last error: ${clock(row.last_error.at)} ${truncate(row.last_error.message, 60)}${count}`);
    }
    if (row.missing?.reason === 'branch') lines.push(`      fix: ${row.missing.fix}`);
  });
  lines.push(`Polled ${stamp(input.now)}`);
  return lines.join('\n');
}

function reviewNote(row: PhaseRow): string {
  if (!row.review) return `reviews ${row.reviews}`;
  const verdict = row.review.verdict === 'approve' ? 'approved' : 'rejected';
  return `${verdict} ${row.reviews}@${row.review.tip.slice(0, 7)}${row.review.stale ? ' (stale: new commits)' : ''}`;
}
