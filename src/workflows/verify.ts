/**
 * `parallel verify [<phase>...] [--json]`: every phase's own commits judged against the
 * ownership in the plan on base, whatever the hooks did. For CI; integrate runs the same check.
 * Exit 1 on a violation, naming commit, path and owner.
 */
import type { CommandInput, CommandResult } from '../cli/types.js';
import { ExitCode, usageError } from '../errors.js';
import { openRepo, resolveBase } from '../git/repo.js';
import { readCommittedPlan } from '../config/plan-source.js';
import { phaseById } from '../core/plan.js';
import { verifyPhaseReport, type Violation } from '../enforce/verify.js';
import { showPath } from '../enforce/message.js';
import { adoptRemoteBase } from '../git/remote-refs.js';

function describe(v: Violation): string {
  if (v.kind === 'symlink') {
    const where = v.resolved === undefined ? 'outside the repository' : `${showPath(v.resolved)} (${v.owner === 'nobody' ? 'owned by nobody' : `owned by ${v.owner}`})`;
    return `${v.commit.slice(0, 12)}  ${showPath(v.path)}: a symlink to ${showPath(v.target ?? '?')}, which leads to ${where}`;
  }
  return `${v.commit.slice(0, 12)}  ${showPath(v.path)} (owned by ${v.owner})`;
}

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  const base = resolveBase(ctx);
  adoptRemoteBase(ctx.toplevel, base); // a fresh CI clone has only origin/<base>
  const { plan } = await readCommittedPlan(ctx, base);
  const unknown = input.args.filter((id) => !phaseById(plan, id));
  if (unknown.length) {
    throw usageError(`parallel: ${unknown.map((u) => `"${u}"`).join(', ')} ${unknown.length === 1 ? 'is not a phase' : 'are not phases'} of the plan on ${base}. Run "parallel status" to list the phases.`);
  }
  const report = verifyPhaseReport(ctx, plan, base, input.args.length ? input.args : undefined);
  const violations = report.flatMap((r) => r.violations);
  const lines: string[] = [];
  for (const r of report) {
    if (!r.tip) {
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
  if (report.every((r) => !r.tip) && input.args.length === 0) lines.push('No phase has a branch yet; nothing to check.');
  if (violations.length) {
    const phases = [...new Set(violations.map((v) => v.phase))];
    lines.push(`parallel: ownership violations in ${phases.join(', ')}. Rewrite those commits so they leave other phases' paths alone (e.g. "git rebase -i" in the phase worktree, then "git restore --source=HEAD~1 <path>" in the commit), or ask the coordinator to change ownership in .parallel.yml on ${base}; integrate will not merge these phases until then.`);
  }
  return {
    exitCode: violations.length ? ExitCode.refused : ExitCode.ok,
    data: { violations: violations.map((v) => ({ phase: v.phase, commit: v.commit, path: v.path, owner: v.owner, kind: v.kind, ...(v.target !== undefined ? { target: v.target } : {}) })) },
    text: lines.join('\n'),
  };
}
