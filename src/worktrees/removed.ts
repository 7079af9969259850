/**
 * Worktrees taken away with `parallel remove` (or `prune`), as opposed to deleted by hand: SPEC's
 * `missing` is only the latter, so a removed phase keeps its state. Recorded per clone (a
 * worktree is a clone's own) in `<common dir>/parallel/removed/<phase>`: the path and when.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PhaseId } from '../core/plan.js';

function file(commonDir: string, id: PhaseId): string {
  return join(commonDir, 'parallel', 'removed', id);
}

export function recordRemoved(commonDir: string, id: PhaseId, path: string, at = new Date()): void {
  mkdirSync(join(commonDir, 'parallel', 'removed'), { recursive: true });
  writeFileSync(file(commonDir, id), `${JSON.stringify({ path, at: at.toISOString() })}\n`);
}

/** Whether the worktree at `path` of phase `id` was removed by parallel after `since` (the session's start). */
export function wasRemoved(commonDir: string, id: PhaseId, path: string, since: string): boolean {
  try {
    const r = JSON.parse(readFileSync(file(commonDir, id), 'utf8')) as { path?: string; at?: string };
    return r.path === path && typeof r.at === 'string' && r.at >= since;
  } catch {
    return false;
  }
}
