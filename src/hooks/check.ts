#!/usr/bin/env node
/**
 * The Node side of parallel's hooks: `node dist/hooks/check.js <hook>` with cwd = the worktree,
 * started by the shell hooks only when their fast path cannot decide (first commit after the
 * plan changed, a merge, a symlink, a non-ASCII path, a refusal to explain). Exit 0 allows,
 * exit 1 refuses with one paragraph per path on stderr.
 *   pre-commit | pre-merge-commit   judge the commit being made in this phase worktree
 *   pre-commit-tree <old> <new>     the same for a commit whose pre-commit left its check to
 *                                   reference-transaction: commit <new>'s tree against <old>'s
 *   reference-transaction           judge the branch updates read from stdin ("old new ref" lines)
 *   compile                         only (re)compile the rules the shell hooks read
 */
import { readFileSync } from 'node:fs';
import { ParallelError } from '../errors.js';
import { openRepo, resolveBase, type RepoContext } from '../git/repo.js';
import { readCommittedPlan } from '../config/plan-source.js';
import { buildOwnership, type OwnershipModel } from '../core/ownership.js';
import { INTEGRATION_BRANCH, phaseById, type PhaseId } from '../core/plan.js';
import { ZERO_OID, gitTry } from '../git/git.js';
import { judgeCommitTree, judgePending, type PendingJudgement } from '../enforce/pending.js';
import { commitChanges, judgeCommitChanges, notOwnRefs } from '../enforce/verify.js';
import { REFUSED_FOOTER, foreignCommitRefusal, mergeRefusal, stagedRefusal, updateRefusal } from '../enforce/message.js';
import { ensureRules } from './rule-cache.js';

function say(lines: string[]): void {
  process.stderr.write(lines.join('\n') + '\n');
}

/** Whether `next` is a commit made on `old`: its only parent, or none on a new ref (an orphan). */
function madeOn(cwd: string, old: string, next: string): boolean {
  const line = gitTry(['rev-list', '--parents', '-n', '1', next, '--'], { cwd }) ?? '';
  return line === (/^0+$/.test(old) ? next : `${next} ${old}`);
}

/** `pre-commit-tree <old> <new>`: the commit's tree against HEAD's, judged as staged entries. */
function treeJudgement(ctx: RepoContext, model: OwnershipModel, phase: PhaseId): PendingJudgement {
  const [from, to] = [process.argv[3] ?? '', process.argv[4] ?? ''];
  if (!/^[0-9a-f]{40,64}$/.test(to) || !/^[0-9a-f]{40,64}$/.test(from)) throw new ParallelError(`parallel: "check.js pre-commit-tree" needs two commit ids, got "${from}" "${to}". Reinstall the hooks with "parallel init".`);
  return { own: judgeCommitTree(ctx, model, phase, /^0+$/.test(from) ? null : from, to), brought: [], merge: false };
}

async function main(hook: string | undefined): Promise<number> {
  const ctx = openRepo(process.cwd());
  const base = resolveBase(ctx);
  const { plan, blob } = await readCommittedPlan(ctx, base);
  ensureRules(ctx, plan, blob);
  if (hook === 'compile') return 0;
  const model = buildOwnership(plan);

  if (hook === 'pre-commit' || hook === 'pre-merge-commit' || hook === 'pre-commit-tree') {
    const marker = ctx.marker;
    if (!marker) return 0;
    if (marker.reviewer) {
      say([`parallel: this is the worktree of reviewer phase ${marker.phase}; every commit here is refused. Record your verdict with "parallel review approve -m MSG" or "parallel review reject -m MSG" instead.`]);
      return 1;
    }
    const phase = marker.phase;
    const notice = phaseById(plan, phase) ? [] : [`parallel: phase ${phase} is not in the plan committed on ${base}, so it may change only shared paths.`];
    const j = hook === 'pre-commit-tree' ? treeJudgement(ctx, model, phase) : judgePending(ctx, model, phase, base);
    const lines = [
      ...j.brought.map((b) => foreignCommitRefusal(phase, b.commit, b.findings)),
      ...j.own.map((f) => (j.merge ? mergeRefusal(phase, f) : stagedRefusal(phase, f))),
    ];
    if (lines.length === 0) return 0;
    say([...notice, ...lines, REFUSED_FOOTER]);
    return 1;
  }

  if (hook === 'reference-transaction') {
    const cwd = ctx.toplevel;
    const input = readFileSync(0, 'utf8');
    const lines: string[] = [];
    let moved = false;
    const updates = input.split('\n').map((l) => l.split(' ')).filter((u): u is [string, string, string] => u.length === 3 && u.every(Boolean));
    for (const [old, next, ref] of updates) {
      if (/^0+$/.test(next)) continue;
      const m = /^refs\/heads\/parallel\/([a-z][a-z0-9_-]{0,39})$/.exec(ref);
      let phase: PhaseId;
      let own: boolean;
      if (m) {
        if (`parallel/${m[1]}` === INTEGRATION_BRANCH) continue;
        phase = m[1]!;
        // The phase's own branch moved from its own worktree: a phase the plan does not have may
        // change only shared paths there (as in pre-commit); another phase's branch only by its rules.
        own = ctx.marker?.phase === phase && !ctx.marker.reviewer;
        if (!own && !phaseById(plan, phase)) continue;
      } else {
        // A commit made in a phase worktree on a detached HEAD or another branch (HEAD's line
        // beside its branch's is that branch's update): the phase's commit too. A checkout or a
        // reset there is not judged.
        if (!ctx.marker || ctx.marker.reviewer || !(ref === 'HEAD' || ref.startsWith('refs/heads/'))) continue;
        if (ref === 'HEAD' && updates.some(([o, n, r]) => r.startsWith('refs/heads/') && o === old && n === next)) continue;
        if (!madeOn(cwd, old, next)) continue;
        phase = ctx.marker.phase;
        own = true;
      }
      // The commits this update adds to the phase's own commits.
      const not = [...(/^0+$/.test(old) || old === ZERO_OID ? [] : [old]), ...notOwnRefs(cwd, base)];
      const commits = commitChanges(cwd, [next, '--not', ...not]);
      const violations = judgeCommitChanges(cwd, model, phase, commits);
      if (violations.length === 0) continue;
      // One new commit from the phase's own worktree: the commit being made there (or amended; git
      // runs no pre-commit of ours unless the repository has one), told in pre-commit's words.
      const made = own && commits.length === 1 && commits[0]!.commit === next;
      if (made) {
        if (!phaseById(plan, phase)) lines.push(`parallel: phase ${phase} is not in the plan committed on ${base}, so it may change only shared paths.`);
        // A merge concluded by git commit: its own resolution is what was judged (--remerge-diff).
        const words = commits[0]!.parents.length > 1 ? mergeRefusal : stagedRefusal;
        lines.push(...violations.map((v) => words(phase, { kind: v.kind, path: v.path, owner: v.owner, status: '', target: v.target, resolved: v.resolved })));
      } else {
        lines.push(...violations.map((v) => updateRefusal(phase, v.commit, { kind: v.kind, path: v.path, owner: v.owner, status: '', target: v.target, resolved: v.resolved })));
        moved = true;
      }
    }
    if (lines.length === 0) return 0;
    say([...lines, ...(moved ? ['parallel: the branch was not moved (this check also runs for "git commit --no-verify"); parallel verify and integrate refuse such commits too.'] : [REFUSED_FOOTER])]);
    return 1;
  }

  say([`parallel: unknown hook check "${hook ?? ''}". Reinstall the hooks with "parallel init".`]);
  return 1;
}

main(process.argv[2]).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    if (e instanceof ParallelError) say([e.message, 'parallel: the ownership check could not run, so the commit was refused. Fix the problem above, or set PARALLEL=0 to skip the check once (parallel verify and integrate still check).']);
    else say([`parallel: internal error while checking ownership: ${(e as Error)?.message ?? String(e)}. This is a bug in parallel; please report it. To commit anyway, set PARALLEL=0 (parallel verify and integrate still check).`]);
    process.exitCode = 1;
  },
);
