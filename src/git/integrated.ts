/**
 * Which phase branches are integrated, derived from refs, never from events (SPEC "integrated"):
 * the tip is reachable from base or the integration branch, or its changes are already in base
 * (a squash merge: merging the branch into base would change nothing).
 */
import { git, gitTry } from './git.js';
import { readPhaseTips } from './phase-tips.js';
import { INTEGRATION_BRANCH, phaseBranch, type PhaseId } from '../core/plan.js';

export interface BranchTips {
  /** Phase id -> tip oid, for phases whose branch exists. */
  tips: Map<PhaseId, string>;
}

/** Tips of `refs/heads/parallel/*` without the integration branch (one git call). */
export function phaseTips(cwd: string): Map<PhaseId, string> {
  return readPhaseTips(cwd).phases;
}

/** Tips (oids) of phase branches, local or remote-tracking (phases of other clones), reachable from `target`. */
function mergedInto(cwd: string, target: string): Set<string> {
  const res = git(['for-each-ref', `--merged=${target}`, '--format=%(objectname)', 'refs/heads/parallel/', 'refs/remotes/'], { cwd, okCodes: [0, 129, 128] });
  if (res.exitCode !== 0) return new Set();
  return new Set(res.stdout.split('\n').filter(Boolean));
}

export interface IntegratedOptions {
  /** Phase tips already read (default: `phaseTips(cwd)`). */
  tips?: ReadonlyMap<PhaseId, string>;
  /**
   * Count a tip reachable from the integration branch as integrated (default true). `prune` goes
   * by base itself: false.
   */
  viaIntegration?: boolean;
}

/**
 * For each phase with a branch: whether it is integrated, and how (`ancestry` or `content`).
 * `ids` limits the content check (one `merge-tree` per phase) to the phases that matter.
 */
export function integratedPhases(cwd: string, base: string, ids?: readonly PhaseId[], opts: IntegratedOptions = {}): Map<PhaseId, 'ancestry' | 'content'> {
  const tips = opts.tips ?? phaseTips(cwd);
  const result = new Map<PhaseId, 'ancestry' | 'content'>();
  if (tips.size === 0) return result;
  const reachable = mergedInto(cwd, `refs/heads/${base}`);
  const integration = opts.viaIntegration === false ? null : gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${INTEGRATION_BRANCH}`], { cwd });
  const viaIntegration = integration ? mergedInto(cwd, integration) : new Set<string>();
  const baseTree = gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${base}^{tree}`], { cwd });
  for (const [id, tip] of tips) {
    if (ids && !ids.includes(id)) continue;
    if (reachable.has(tip) || viaIntegration.has(tip)) {
      result.set(id, 'ancestry');
      continue;
    }
    if (!baseTree) continue;
    // Squash-merged: merging the branch into base yields base's own tree.
    const merged = git(['merge-tree', '--write-tree', '--no-messages', `refs/heads/${base}`, tip], { cwd, okCodes: [0, 1] });
    if (merged.exitCode === 0 && merged.stdout.split('\n')[0] === baseTree) result.set(id, 'content');
  }
  return result;
}

export { phaseBranch };
