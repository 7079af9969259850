/**
 * Progress lines on stderr while integrate runs (stdout stays free for the report or `--json`):
 * `[3/5] merged dashboard (0.4s)`, `testing... 12.3s`.
 */
import type { Io } from '../command.js';

export interface Progress {
  line(text: string): void;
  /** A periodic "still running" line. */
  tick(text: string): void;
  /** Several lines (the tail of a failing test's log), indented. */
  block(text: string): void;
}

export function progressOn(io: Io, quiet = false): Progress {
  const say = (t: string) => { if (!quiet) io.err(t); };
  return {
    line: (t) => say(`parallel: ${t}`),
    tick: (t) => say(`parallel: ${t}`),
    block: (t) => say(t.split('\n').map((l) => `    ${l}`).join('\n')),
  };
}

/** `0.4s`, `12.3s`, `2m05s`. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}
