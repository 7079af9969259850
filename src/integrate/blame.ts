/**
 * Who a conflicting phase conflicts with: the phases whose merges changed the conflicted files,
 * among the merges of this job and the `parallel: integrate <id>` merges an earlier run left on
 * the integration branch (between base and where this job starts); base when none did. Shared by
 * the run (runner.ts) and `--dry-run` (predict.ts).
 */
import { git, splitZ } from '../git/git.js';

export interface PhaseMerge {
  id: string;
  /** The merge commit (first parent: the line it was merged into). */
  commit: string;
}

const SUBJECT = /^parallel: integrate (\S+) \(/;

/** Phase merges on the first-parent line of `start` that base lacks, oldest first. */
export function earlierMerges(cwd: string, baseOid: string, start: string): PhaseMerge[] {
  const out = git(['log', '--first-parent', '--merges', '-z', '--format=%H %s', '--end-of-options', `${baseOid}..${start}`], { cwd }).stdout;
  const merges: PhaseMerge[] = [];
  for (const rec of splitZ(out)) {
    const sp = rec.indexOf(' ');
    const m = SUBJECT.exec(rec.slice(sp + 1));
    if (m) merges.push({ id: m[1]!, commit: rec.slice(0, sp) });
  }
  return merges.reverse();
}

/** The phases (deduplicated, in merge order) whose merge changed any of `files`. */
export function phasesTouching(cwd: string, merges: readonly PhaseMerge[], files: readonly string[]): string[] {
  const out: string[] = [];
  const paths = files.map((f) => `:(literal)${f}`);
  for (const m of merges) {
    if (out.includes(m.id)) continue;
    if (git(['diff', '--name-only', '-z', `${m.commit}^1`, m.commit, '--', ...paths], { cwd }).stdout !== '') out.push(m.id);
  }
  return out;
}

/** "alpha, beta" (the phases to blame) or base's name. */
export function conflictPartner(cwd: string, merges: readonly PhaseMerge[], files: readonly string[], base: string): string {
  const involved = phasesTouching(cwd, merges, files);
  return involved.length ? involved.join(', ') : base;
}
