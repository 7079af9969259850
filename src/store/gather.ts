/**
 * Gather everything phase states depend on (records from the coordination ref, branch facts and
 * integrated-ness from refs, this clone's worktrees from the common git dir), then derive the
 * rows with the pure `derivePhaseStates`. Used by status, `--wait`, the API, integrate and brief.
 * A handful of git calls in total, whatever the number of phases or the length of the history.
 */
import { existsSync } from 'node:fs';
import { git } from '../git/git.js';
import { NOTES_REF } from '../core/plan.js';
import { integratedPhases } from '../git/integrated.js';
import { prunedPhases } from '../worktrees/branch-delete.js';
import { wasRemoved } from '../worktrees/removed.js';
import { findMissingBranches } from '../worktrees/missing-branch.js';
import { readPhaseTips } from '../git/phase-tips.js';
import { phaseWorktreeMap } from '../git/phase-worktrees.js';
import type { RepoContext } from '../git/repo.js';
import type { Plan, PhaseId } from '../core/plan.js';
import { derivePhaseStates, type BranchFacts, type PhaseRow, type WorktreeFacts } from '../core/phase-state.js';
import type { SessionRecord } from './types.js';
import { readSessions, cloneOrigin } from './store.js';

export interface GatherOptions {
  now?: number;
  heartbeatTimeout?: number;
  sessionTimeout?: number;
  /** Records already read (the API's monitor reuses one read). */
  records?: SessionRecord[];
}

export interface PhaseStates {
  rows: PhaseRow[];
  records: SessionRecord[];
  /** Tip of base, and of the integration branch when it exists. */
  baseTip: string | null;
  integrationTip: string | null;
}

/**
 * Each phase's own commits (not reachable from base or the integration branch), their changed
 * paths and the newest commit time, from one `git log` over all tips. A commit counts as a
 * heartbeat at once, before its note and event are written; once they are, the event's time
 * (never later than when it was recorded) is what counts. A commit's own date is anyone's to
 * set, so one later than the reader's clock (`now`) counts for nothing.
 */
export function branchFacts(cwd: string, tips: Map<PhaseId, string>, exclude: string[], now = Date.now()): Map<PhaseId, BranchFacts> {
  const facts = new Map<PhaseId, BranchFacts>();
  if (tips.size === 0) return facts;
  const res = git(['log', '-z', '--no-renames', '--name-only', '--no-notes', `--notes=${NOTES_REF}`, '--format=%x01%H %P %cI%x02%N%x02', ...new Set(tips.values()), '--not', ...exclude, '--'], { cwd });
  const commits = new Map<string, { parents: string[]; at?: string; files: string[] }>();
  for (const chunk of res.stdout.split('\x01')) {
    if (!chunk) continue;
    const parts = chunk.split('\0');
    const [head, note, rest] = parts[0]!.split('\x02');
    const header = head!.split(' ');
    const date = header.pop()!;
    const [oid, ...parents] = header;
    const files = [rest ?? '', ...parts.slice(1)].map((f) => f.replace(/^\n/, '')).filter(Boolean);
    const noted = Boolean(note && note.trim());
    commits.set(oid!, { parents, files, ...(!noted && Date.parse(date) <= now ? { at: date } : {}) });
  }
  for (const [id, tip] of tips) {
    const seen = new Set<string>();
    const files = new Set<string>();
    let last: string | undefined;
    const stack = commits.has(tip) ? [tip] : [];
    while (stack.length) {
      const c = stack.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      const info = commits.get(c)!;
      for (const f of info.files) files.add(f);
      if (info.at && (!last || Date.parse(info.at) > Date.parse(last))) last = info.at;
      for (const p of info.parents) if (commits.has(p)) stack.push(p);
    }
    facts.set(id, { tip, commits: seen.size, files_changed: files.size, ...(last ? { last_commit_at: new Date(last).toISOString() } : {}) });
  }
  return facts;
}

/** This clone's phase worktrees as phase states need them (the shared reader; no git call). */
export function phaseWorktrees(commonDir: string): Map<PhaseId, WorktreeFacts> {
  return new Map([...phaseWorktreeMap(commonDir)].map(([id, wt]) => [id, { path: wt.path, exists: !wt.missing }]));
}

export async function gatherPhaseStates(ctx: RepoContext, plan: Plan, base: string, opts: GatherOptions = {}): Promise<PhaseStates> {
  const cwd = ctx.toplevel;
  const records = opts.records ?? readSessions(ctx);
  // Phases worked in another clone are seen through `parallel sync` as remote-tracking branches.
  const tips = readPhaseTips(cwd, { base, remotes: true });
  const known = new Map([...tips.phases].filter(([id]) => plan.phases.some((p) => p.id === id)));
  const exclude = [tips.base, tips.integration].filter((x): x is string => Boolean(x));
  const now = opts.now ?? Date.now();
  const branches = branchFacts(cwd, known, exclude, now);
  const worktrees = phaseWorktrees(ctx.commonDir);
  // A worktree this clone started and that is gone even from git's list (pruned) is missing too,
  // unless "parallel remove" took it away (then the phase keeps its state).
  const origin = cloneOrigin(ctx);
  for (const r of records) {
    if (!worktrees.has(r.phase) && r.origin === origin && r.worktree && r.state === 'running' && !wasRemoved(ctx.commonDir, r.phase, r.worktree, r.started_at)) {
      worktrees.set(r.phase, { path: r.worktree, exists: existsSync(r.worktree) });
    }
  }
  const doneIds = [...new Set(records.filter((r) => r.state === 'done').map((r) => r.phase))];
  const doneWithBranch = doneIds.filter((id) => known.has(id));
  const integrated = doneWithBranch.length ? new Set(integratedPhases(cwd, base, doneWithBranch, { tips: known }).keys()) : new Set<PhaseId>();
  // A done phase whose branch prune (or remove --delete-branch) deleted as integrated stays integrated.
  for (const id of prunedPhases(ctx.commonDir, doneIds.filter((id) => !known.has(id)))) integrated.add(id);
  // Branches renamed or deleted from their worktree (no git call unless one is gone).
  const missingBranches = findMissingBranches({ cwd, commonDir: ctx.commonDir, origin, plan, records, local: tips.local, delivered: exclude });
  const rows = derivePhaseStates({
    plan,
    records,
    now,
    heartbeatTimeout: opts.heartbeatTimeout,
    sessionTimeout: opts.sessionTimeout,
    branches,
    integrated,
    worktrees,
    missingBranches,
  });
  return { rows, records, baseTip: tips.base, integrationTip: tips.integration };
}
