/**
 * Integrate runs as the report shows them, from the event history (pure). Each run's own event
 * (the coordinator's `integrate` event, written by every run) carries `integrate --json`'s
 * fields; a run recorded before runs had one is pieced together from its per-phase events.
 */
import type { StatusEvent } from '../store/types.js';

export interface RunSkip {
  id: string;
  reason: string;
  detail: string;
}

export interface IntegrateRun {
  job: string;
  at: string;
  started_at: string | null;
  integrated: string[];
  skipped: RunSkip[];
  tests: { command: string; passed: boolean; seconds: number; log: string } | null;
  /** The test command of the plan (null: none, the merges are untested). */
  test: string | null;
  head: string | null;
  base_red: boolean;
  merges: { id: string; seconds: number }[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function skipsOf(v: unknown): RunSkip[] {
  if (!Array.isArray(v)) return [];
  return v.filter((s) => s && typeof s === 'object').map((s) => ({ id: String(s.id ?? ''), reason: String(s.reason ?? ''), detail: String(s.detail ?? '') }));
}

function testsOf(v: unknown): IntegrateRun['tests'] {
  if (!v || typeof v !== 'object') return null;
  const t = v as Record<string, unknown>;
  return { command: String(t.command ?? ''), passed: t.passed === true, seconds: Number(t.seconds ?? 0), log: String(t.log ?? '') };
}

export function integrateRuns(events: readonly StatusEvent[]): IntegrateRun[] {
  const runs = new Map<string, IntegrateRun>();
  const pieces = new Map<string, StatusEvent[]>();
  for (const e of events) {
    if (e.type !== 'integrate' || typeof e.job !== 'string') continue;
    if (e.phase === '') {
      runs.set(e.job, {
        job: e.job,
        at: e.at,
        started_at: typeof e.started_at === 'string' ? e.started_at : null,
        integrated: strings(e.integrated),
        skipped: skipsOf(e.skipped),
        tests: testsOf(e.tests),
        test: typeof e.test === 'string' ? e.test : null,
        head: typeof e.head === 'string' ? e.head : null,
        base_red: e.base_red === true,
        merges: Array.isArray(e.merges) ? (e.merges as { id: unknown; seconds: unknown }[]).map((m) => ({ id: String(m.id), seconds: Number(m.seconds) })) : [],
      });
    } else {
      (pieces.get(e.job) ?? pieces.set(e.job, []).get(e.job)!).push(e);
    }
  }
  for (const [job, evs] of pieces) {
    if (runs.has(job)) continue;
    runs.set(job, {
      job,
      at: evs[evs.length - 1]!.at,
      started_at: null,
      integrated: evs.filter((e) => e.result === 'integrated').map((e) => e.phase),
      skipped: evs.filter((e) => e.result === 'skipped').map((e) => ({ id: e.phase, reason: String(e.reason ?? ''), detail: (e.message ?? '').replace(/^not integrated \([^)]*\): /, '') })),
      tests: null,
      test: null,
      head: evs.map((e) => e.head).find((h): h is string => typeof h === 'string') ?? null,
      base_red: false,
      merges: [],
    });
  }
  return [...runs.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
