/**
 * `parallel conflicts [--json]`: predicted merge conflicts between every two phase branches and
 * between each phase branch and the integration branch, computed without touching a worktree.
 * A report: exit 0 whether or not there are conflicts.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { openRepo } from '../git/repo.js';
import { branchSides, defaultPairs, predictConflicts, type ConflictPair } from '../git/conflicts.js';

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  const sides = branchSides(ctx.toplevel);
  const pairs = await predictConflicts(ctx.toplevel, defaultPairs(sides));
  return { exitCode: 0, data: { pairs }, text: render(pairs, sides.phases.length, Boolean(sides.integration)) };
}

export function render(pairs: ConflictPair[], branches: number, integration: boolean): string {
  if (branches === 0) return 'No phase branches yet (parallel/<id>); nothing can conflict. Start phases with "parallel start".';
  const compared = `${branches} phase branch${branches === 1 ? '' : 'es'}${integration ? ' and parallel/integration' : ''}`;
  if (pairs.length === 0) return `No predicted conflicts between ${compared}.`;
  const lines = [`Predicted conflicts (${pairs.length} pair${pairs.length === 1 ? '' : 's'}, from ${compared}):`];
  for (const p of pairs) {
    lines.push(`  ${p.a} x ${p.b}: ${p.files.length} file${p.files.length === 1 ? '' : 's'}`);
    for (const f of p.files.slice(0, 10)) lines.push(`    ${f}`);
    if (p.files.length > 10) lines.push(`    ... and ${p.files.length - 10} more`);
  }
  lines.push('Resolve before integrating: the later phase runs "parallel update" in its worktree once the other is integrated, or the phases agree who changes these files.');
  return lines.join('\n');
}
