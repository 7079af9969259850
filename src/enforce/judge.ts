/**
 * Judging changes against ownership (pure): which changed paths a phase may not change, and
 * which symlinks it adds point out of its area. Shared by the hooks, `parallel verify` and
 * integrate, so all three refuse exactly the same things.
 */
import { posix } from 'node:path';
import type { OwnershipModel } from '../core/ownership.js';
import { PLAN_FILE, type PhaseId } from '../core/plan.js';
import { GITLINK_MODE, SYMLINK_MODE, type Change } from './changes.js';

export type FindingKind = 'foreign' | 'plan' | 'submodule' | 'symlink';

export interface Finding {
  kind: FindingKind;
  /** The changed path (NFC). */
  path: string;
  /** Who owns it: a phase id (or several, comma-separated), "nobody" or "the coordinator". */
  owner: string;
  status: string;
  /** For a symlink: its target as written, and where it leads inside the repository (if it does). */
  target?: string;
  resolved?: string;
}

/** Where a symlink at `path` pointing to `target` leads, repository-relative, or undefined if it leaves the repository. */
export function symlinkDestination(path: string, target: string): string | undefined {
  if (target.startsWith('/') || target === '') return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(path), target));
  if (joined === '..' || joined.startsWith('../') || joined.startsWith('/')) return undefined;
  return joined.replace(/\/$/, '');
}

/** The symlinks among `paths` in the tree being judged (path -> target); read by the caller. */
export type LinkLookup = (paths: readonly string[]) => ReadonlyMap<string, string>;

/** git gives up after 40 links in a row (ELOOP); so do we. */
const MAX_HOPS = 40;

/**
 * Where a symlink finally leads inside the repository, following the links the judged tree has
 * on the way: a link to a link, or a path through a linked folder (`src/yl -> bb/y.txt` with
 * `src/bb -> b` leads to `src/b/y.txt`). Undefined when it leaves the repository or loops.
 */
export function finalDestination(path: string, target: string, links?: LinkLookup): string | undefined {
  let dest = symlinkDestination(path, target);
  if (!links) return dest;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (dest === undefined || dest === '.') return dest;
    const segs = dest.split('/');
    const prefixes = segs.map((_, i) => segs.slice(0, i + 1).join('/'));
    const found = links(prefixes);
    const first = prefixes.find((p) => found.has(p));
    if (first === undefined) return dest;
    const next = symlinkDestination(first, found.get(first)!.normalize('NFC'));
    if (next === undefined) return undefined;
    const rest = dest.slice(first.length);
    dest = next === '.' ? (rest.replace(/^\//, '') || '.') : `${next}${rest}`;
  }
  return undefined;
}

/**
 * Findings for one set of changes made by `phase`. `symlinkTargets` maps blob ids of added or
 * changed symlinks to their targets (read by the caller with `git cat-file`); `links` finds the
 * other symlinks of the judged tree, so a link is judged by where it finally leads.
 */
export function judgeChanges(model: OwnershipModel, phase: PhaseId, changes: readonly Change[], symlinkTargets: ReadonlyMap<string, string> = new Map(), links?: LinkLookup): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const c of changes) {
    const path = c.path.normalize('NFC');
    if (!model.mayChange(phase, path)) {
      if (seen.has(path)) continue;
      seen.add(path);
      const kind: FindingKind = path === PLAN_FILE ? 'plan' : c.oldMode === GITLINK_MODE || c.newMode === GITLINK_MODE ? 'submodule' : 'foreign';
      findings.push({ kind, path, owner: model.describeOwner(path), status: c.status });
      continue;
    }
    if (c.newMode !== SYMLINK_MODE) continue;
    const target = symlinkTargets.get(c.newOid);
    if (target === undefined) {
      // Unknown target: refuse rather than guess.
      findings.push({ kind: 'symlink', path, owner: model.describeOwner(path), status: c.status, target: '?' });
      continue;
    }
    const resolved = finalDestination(path, target.normalize('NFC'), links);
    if (resolved === undefined || !model.mayChange(phase, resolved)) {
      findings.push({
        kind: 'symlink', path, status: c.status, target,
        owner: resolved === undefined ? 'outside the repository' : model.describeOwner(resolved),
        ...(resolved === undefined ? {} : { resolved }),
      });
    }
  }
  return findings;
}

/** Blob ids of symlinks that `changes` add or change (their targets must be read to judge them). */
export function symlinkBlobs(changes: readonly Change[]): string[] {
  return [...new Set(changes.filter((c) => c.newMode === SYMLINK_MODE).map((c) => c.newOid))];
}
