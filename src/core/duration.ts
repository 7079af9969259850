/** Durations as the plan and the CLI write them: `90s`, `5m`, `4h` (also `1500ms`, `2d`). */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The longest duration the runtime can honour: Node's timers hold at most 2^31-1 ms (about 24.8
 * days) and fire at once beyond that, which would turn a long test timeout into an instant one.
 */
export const MAX_DURATION_MS = 24 * 86_400_000;

/** Why a parsed duration cannot be used (too long for a timer), or undefined when it can. */
export function durationProblem(ms: number): string | undefined {
  return ms > MAX_DURATION_MS ? `is longer than the 24 days (24d, 576h) a timer can wait` : undefined;
}

export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}
