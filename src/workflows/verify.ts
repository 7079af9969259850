/**
 * `parallel verify [<phase>...] [--json]`: every phase's own commits judged against the
 * ownership in the plan on base, whatever the hooks did. For CI; integrate runs the same check.
 * Exit 1 on a violation, naming commit, path and owner.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { ExitCode, usageError } from '../errors.js';
import { openRepo, resolveBase } from '../git/repo.js';
import { readCommittedPlan, VERIFIED } from '../config/plan-source.js';
import { phaseById } from '../core/plan.js';
import { verifyPhaseReport, type Violation } from '../enforce/verify.js';
import { showPath } from '../enforce/message.js';
import { adoptRemoteBase } from '../git/remote-refs.js';
import { readPhaseTips } from '../git/phase-tips.js';
import { cloneOrigin, readSessions } from '../store/store.js';
import { findMissingBranches } from '../worktrees/missing-branch.js';
import { describeMissingBranch, missingBranchFix } from '../core/missing-branch.js';
import { describeBaseWork, untestedBaseWork } from '../enforce/base-work.js';

function describe(v: Violation): string {
  if (v.kind === 'symlink') {
    const where = v.resolved === undefined ? 'outside the repository' : `${showPath(v.resolved)} (${v.owner === 'nobody' ? 'owned by nobody' : `owned by ${v.owner}`})`;
    return `${v.commit.slice(0, 12)}  ${showPath(v.path)}: a symlink to ${showPath(v.target ?? '?')}, which leads to ${where}`;
  }
  return `${v.commit.slice(0, 12)}  ${showPath(v.path)} (owned by ${v.owner})`;
}

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  const base = resolveBase(ctx, VERIFIED);
  adoptRemoteBase(ctx.toplevel, base); // a fresh CI clone has only origin/<base>
  const { plan } = await readCommittedPlan(ctx, base, VERIFIED);
  const unknown = input.args.filter((id) => !phaseById(plan, id));
  if (unknown.length) {
    throw usageError(`parallel: ${unknown.map((u) => `"${u}"`).join(', ')} ${unknown.length === 1 ? 'is not a phase' : 'are not phases'} of the plan on ${base}. Run "parallel status" to list the phases.`);
  }
  const report = verifyPhaseReport(ctx, plan, base, input.args.length ? input.args : undefined);
  const violations = report.flatMap((r) => r.violations);
  // A phase started here whose branch was renamed or deleted from its worktree: nothing to judge
  // by its name, which is a failure, not "nothing to check".
  const tips = readPhaseTips(ctx.toplevel, { base, remotes: true });
  const gone = findMissingBranches({
    cwd: ctx.toplevel, commonDir: ctx.commonDir, origin: cloneOrigin(ctx), plan, records: readSessions(ctx),
    local: tips.local, delivered: [tips.base, tips.integration].filter((t): t is string => Boolean(t)),
  });
  const missing = report.filter((r) => gone.has(r.phase)).map((r) => ({ phase: r.phase, ...gone.get(r.phase)! }));
  const lines: string[] = [];
  for (const r of report) {
    const m = gone.get(r.phase);
    if (m) lines.push(`${r.phase}: ${describeMissingBranch(r.phase, m)}, so its work cannot be checked or integrated. Recreate it: ${missingBranchFix(r.phase, m)}`);
    if (!r.tip) {
      if (m) continue;
      if (input.args.includes(r.phase)) lines.push(`${r.phase}: no branch yet (parallel/${r.phase}); nothing to check.`);
      continue;
    }
    if (r.violations.length === 0) {
      lines.push(`${r.phase}: ok (${r.commits} commit${r.commits === 1 ? '' : 's'} checked)`);
      continue;
    }
    lines.push(`${r.phase}: ${r.violations.length} path${r.violations.length === 1 ? '' : 's'} ${r.phase} may not change, in ${r.commits} commit${r.commits === 1 ? '' : 's'} checked:`);
    for (const v of r.violations) lines.push(`  ${describe(v)}`);
  }
  if (report.every((r) => !r.tip) && input.args.length === 0 && missing.length === 0) lines.push('No phase has a branch yet; nothing to check.');
  // Phase work on base that integrate never tested is no phase's "own" commits any more (base
  // bounds them), so the judging above cannot see it: say so (for the phases asked about).
  const baseWork = untestedBaseWork(ctx, base);
  const onBase = input.args.length === 0 || baseWork.phases.some((p) => input.args.includes(p)) ? describeBaseWork(ctx, baseWork) : undefined;
  if (onBase) lines.push(`parallel: ${onBase.message}. Put ${base} back: ${onBase.fix}`);
  if (missing.length) {
    const ids = missing.map((m) => m.phase);
    lines.push(`parallel: ${ids.length === 1 ? `the branch of ${ids[0]} is` : `the branches of ${ids.join(', ')} are`} missing (renamed or deleted from the phase worktree). Recreate ${ids.length === 1 ? 'it' : 'each'} with the "git branch" command above, from the main worktree, then run "parallel verify" again.`);
  }
  if (violations.length) {
    const phases = [...new Set(violations.map((v) => v.phase))];
    lines.push(`parallel: ownership violations in ${phases.join(', ')}. Rewrite those commits so they leave other phases' paths alone (e.g. "git rebase -i" in the phase worktree, then "git restore --source=HEAD~1 <path>" in the commit), or ask the coordinator to change ownership in .parallel.yml on ${base}; integrate will not merge these phases until then.`);
  }
  return {
    exitCode: violations.length || missing.length || onBase ? ExitCode.refused : ExitCode.ok,
    data: {
      ...(onBase ? { untested_on_base: { base, tip: baseWork.tip, commits: baseWork.commits, reset_to: baseWork.resetTo, message: onBase.message, fix: onBase.fix } } : {}),
      ...(missing.length ? { missing: missing.map((m) => ({ phase: m.phase, worktree: m.worktree, head: m.head, head_branch: m.headBranch, fix: missingBranchFix(m.phase, m) })) } : {}),
      violations: violations.map((v) => ({ phase: v.phase, commit: v.commit, path: v.path, owner: v.owner, kind: v.kind, ...(v.target !== undefined ? { target: v.target } : {}) })),
    },
    text: lines.join('\n'),
  };
}
