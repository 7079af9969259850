/**
 * What a phase branch's reflog says, read as a file (no git process): where the branch was
 * created, and whether it was renamed. git 2.39 runs no reference-transaction hook for `git
 * branch -m`, so `git branch -m parallel/a tmp`, a commit on tmp, `git branch -m tmp parallel/a`
 * moves a phase branch past the hook; the reflog keeps the trace ("Branch: renamed
 * refs/heads/parallel/a to ..."). verify and integrate judge the commits whatever the reflog
 * says; this lets doctor and status say what happened.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { phaseBranch, type PhaseId } from '../core/plan.js';

export interface PhaseReflog {
  /** The commit the branch was created at (its first entry's new value). */
  created?: string;
  /** The rename entries ("Branch: renamed refs/heads/... to refs/heads/..."), oldest first. */
  renames: string[];
}

export function readPhaseReflog(commonDir: string, id: PhaseId): PhaseReflog | undefined {
  let text: string;
  try {
    text = readFileSync(join(commonDir, 'logs', 'refs', 'heads', phaseBranch(id)), 'utf8');
  } catch {
    return undefined; // no branch, or no reflog
  }
  const lines = text.split('\n').filter(Boolean);
  const created = /^[0-9a-f]+ ([0-9a-f]{40,64}) /.exec(lines[0] ?? '')?.[1];
  const renames = lines.map((l) => l.slice(l.indexOf('\t') + 1)).filter((m) => m.startsWith('Branch: renamed '));
  return { ...(created ? { created } : {}), renames };
}

/** Phase id -> the last rename entry of its branch's reflog, for branches renamed at some point. */
export function renamedPhaseBranches(commonDir: string, ids: readonly PhaseId[]): Map<PhaseId, string> {
  const out = new Map<PhaseId, string>();
  for (const id of ids) {
    const r = readPhaseReflog(commonDir, id);
    if (r?.renames.length) out.set(id, r.renames[r.renames.length - 1]!);
  }
  return out;
}
