/**
 * The facts behind `untestedPhaseWork` (src/core/untested-base.ts), from refs, notes and
 * reflogs: base's commits that no trusted record reaches, which of them carry a phase's commit
 * note, the phase branches' commits since their creation, and what base's own reflog says a
 * person did in a worktree (`commit`, `merge`, `pull`, `rebase`, `cherry-pick`, `revert`,
 * `reset`): those moves are the user's decision (a hand merge of a phase counts as SPEC says,
 * once the phase is done), while a bare `update-ref` or a push records no such command. A clone
 * with no reflog of base (a CI checkout) has only the notes to go by. Used by verify, doctor
 * and integrate. Nothing is read beyond `LIMIT` commits of base.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../git/git.js';
import type { RepoContext } from '../git/repo.js';
import { NOTES_REF } from '../core/plan.js';
import { untestedPhaseWork, type UntestedWork } from '../core/untested-base.js';
import { integrationTrust, readTrusted, type IntegrationTrust } from '../store/trusted.js';
import { readPhaseTips } from '../git/phase-tips.js';
import { readPhaseReflog } from '../git/phase-reflog.js';
import { listPhaseWorktrees } from '../git/phase-worktrees.js';
import { checkedOutBranches } from '../worktrees/layout.js';
import { SAVED_REF_PREFIX, refStamp } from '../worktrees/save-work.js';
import { shellQuote } from '../worktrees/run-command.js';

/** At most this many base commits are inspected (a long human history is not phase work). */
const LIMIT = 2000;
/** Reflog messages of git commands a person runs in a worktree (not `update-ref`, not a push). */
const PERSON_MOVE = /^(commit|merge |pull|rebase|cherry-pick|revert|reset: moving to|am:?)/;

export interface BaseWork extends UntestedWork {
  base: string;
  /** Where base is now (null: no such branch). */
  tip: string | null;
}

function lines(out: string): string[] {
  return out.split('\n').filter(Boolean);
}

function revList(cwd: string, input: string[], extra: string[] = []): string[] {
  return lines(git(['rev-list', '--ignore-missing', `--max-count=${LIMIT}`, ...extra, '--stdin'], { cwd, input: input.join('\n') + '\n' }).stdout);
}

/** Base's reflog entries made by a person's command: the commits each brought, within `untrusted`. */
function movedByPerson(ctx: RepoContext, base: string, untrusted: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  let text: string;
  try {
    text = readFileSync(join(ctx.commonDir, 'logs', 'refs', 'heads', base), 'utf8');
  } catch {
    return out; // no reflog (a CI clone, core.logAllRefUpdates=false)
  }
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40,64}) ([0-9a-f]{40,64}) [^\t]*\t(.*)$/.exec(line);
    if (!m || !untrusted.has(m[2]!) || !PERSON_MOVE.test(m[3]!)) continue;
    const [, from, to, message] = m;
    if (message!.startsWith('commit')) out.add(to!);
    else for (const c of revList(ctx.toplevel, [to!, ...(/^0+$/.test(from!) ? [] : [`^${from}`])])) out.add(c);
  }
  return out;
}

/** HEAD reflog messages of git commands that make a commit (not a checkout, reset or fast-forward). */
const MADE_HERE = /^(commit|cherry-pick|revert|am|rebase( -i)? \((pick|reword|edit|squash|fixup)\)|merge [^:]*: Merge made)/;

/**
 * Commits of `untrusted` that a phase worktree's HEAD reflog says were made there: a session
 * can commit on a detached HEAD with every hook off (no note, no phase branch) and move base
 * there with a hook-less update-ref; its own worktree still remembers making the commit.
 */
function madeInPhaseWorktrees(ctx: RepoContext, untrusted: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const wt of listPhaseWorktrees(ctx.commonDir)) {
    let text: string;
    try {
      text = readFileSync(join(wt.gitDir, 'logs', 'HEAD'), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const m = /^[0-9a-f]{40,64} ([0-9a-f]{40,64}) [^\t]*\t(.*)$/.exec(line);
      if (m && untrusted.has(m[1]!) && MADE_HERE.test(m[2]!) && !out.has(m[1]!)) out.set(m[1]!, wt.phase);
    }
  }
  return out;
}

export function untestedBaseWork(ctx: RepoContext, base: string, trust: IntegrationTrust = integrationTrust(ctx.toplevel, base)): BaseWork {
  const cwd = ctx.toplevel;
  const tips = readPhaseTips(cwd, { base });
  if (!tips.base) return { base, tip: null, commits: [], phases: [], resetTo: null };
  const bounds = [...readTrusted(cwd), ...(trust.trusted ? [trust.trusted] : [])].map((c) => `^${c}`);
  const untrusted = lines(git(['rev-list', '--ignore-missing', '--topo-order', '--parents', `--max-count=${LIMIT}`, '--stdin'], { cwd, input: [tips.base, ...bounds].join('\n') + '\n' }).stdout)
    .map((l) => {
      const [commit, ...parents] = l.split(' ');
      return { commit: commit!, parents };
    });
  if (untrusted.length === 0) return { base, tip: tips.base, commits: [], phases: [], resetTo: null };
  const set = new Set(untrusted.map((c) => c.commit));
  const phaseLines = new Map<string, Set<string>>();
  for (const [id, tip] of tips.phases) {
    const created = readPhaseReflog(ctx.commonDir, id)?.created;
    if (created) phaseLines.set(id, new Set(revList(cwd, [tip, `^${created}`, ...bounds]).filter((c) => set.has(c))));
  }
  const notes = git(['log', '--no-walk=unsorted', `--notes=${NOTES_REF}`, '--format=%H%x00%N%x01', '--stdin'], { cwd, input: [...set].join('\n') + '\n' }).stdout;
  const noted = new Map<string, string>();
  for (const entry of notes.split('\x01')) {
    const [oid, note] = entry.replace(/^\n/, '').split('\0');
    const phase = note ? /^phase: (\S+)$/m.exec(note)?.[1] : undefined;
    if (oid && phase && !/^parallel: integrated /m.test(note!)) noted.set(oid, phase);
  }
  const work = untestedPhaseWork({ untrusted, noted, phaseLines, madeInPhaseWorktree: madeInPhaseWorktrees(ctx, set), movedByPerson: movedByPerson(ctx, base, set) });
  return { base, tip: tips.base, ...work };
}

export interface BaseWorkFinding {
  message: string;
  fix: string;
}

/**
 * What verify, doctor and integrate say about untested phase work on base: which commits, whose,
 * and the commands that put base back by compare-and-swap (printed, never run: base is the
 * user's), keeping the old tip under `refs/parallel/saved/base/<time>`.
 */
export function describeBaseWork(ctx: RepoContext, work: BaseWork, now = new Date()): BaseWorkFinding | undefined {
  if (!work.tip || work.commits.length === 0) return undefined;
  const short = (c: string) => c.slice(0, 7);
  const n = work.commits.length;
  const shown = git(['log', '--no-walk=unsorted', '--format=%h "%s"', ...work.commits.slice(0, 5).map((c) => c.commit)], { cwd: ctx.toplevel }).stdout.trim().split('\n').join(', ');
  const more = n > 5 ? ` and ${n - 5} more` : '';
  const message = `base ${work.base} is at ${short(work.tip)}, which holds ${n} commit${n === 1 ? '' : 's'} of phase ${work.phases.join(', ')} that integrate never tested (${shown}${more}): phase work reached ${work.base} without "parallel integrate" merging, checking and testing it (a hook-less "git update-ref" or a push)`;
  if (!work.resetTo) {
    return { message, fix: `no earlier commit of ${work.base} is free of that work: move ${work.base} by hand to the last commit "parallel integrate --land" put there (git log --notes=parallel ${work.base}), with "git update-ref refs/heads/${work.base} <commit> ${work.tip}"` };
  }
  const saved = `${SAVED_REF_PREFIX}base/${refStamp(now)}`;
  const where = checkedOutBranches(ctx.toplevel).whereIs.get(`refs/heads/${work.base}`);
  const steps = [
    `git update-ref ${saved} ${work.tip} ""`,
    `git update-ref refs/heads/${work.base} ${work.resetTo} ${work.tip}`,
    ...(where ? [`git -C ${shellQuote(where)} read-tree -m -u ${work.tip} ${work.resetTo}`] : []),
  ];
  const fix = `${steps.join(' && ')}   (moves ${work.base} back to ${short(work.resetTo)}, the newest commit without that work, only if it is still at ${short(work.tip)}; the old tip stays at ${saved}${where ? `, and ${where} follows keeping its local changes` : ''}; the phase${work.phases.length === 1 ? "'s" : "s'"} work stays on ${work.phases.length === 1 ? 'its branch' : 'their branches'} and reaches ${work.base} through "parallel done" and "parallel integrate --land")`;
  return { message, fix };
}
