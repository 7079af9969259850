/**
 * Judging an agent's edit before it happens (`PreToolUse`), with the pre-commit hook's ownership
 * rules. The plan comes from the compiled rules cache (`.ownership.json` next to the shell
 * rules, per plan blob on base), so this never loads the YAML parser; only the first edit after
 * the plan changed compiles it. Returns a refusal reason per refused path (empty: allowed).
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { RepoContext } from '../git/repo.js';
import { git, gitTry } from '../git/git.js';
import { buildOwnership, type OwnershipModel } from '../core/ownership.js';
import { PLAN_FILE } from '../core/plan.js';
import { OWNERSHIP_JSON, rulesRoot } from '../hooks/rule-paths.js';
import { freshHookState, recordAgentState } from '../git/hook-state.js';

/** Every worktree of the repository: the main one and each linked one (git's admin folders, no git process). */
export function worktreeTops(ctx: Pick<RepoContext, 'commonDir' | 'mainWorktree'>): string[] {
  const tops = [ctx.mainWorktree];
  const admin = join(ctx.commonDir, 'worktrees');
  let names: string[] = [];
  try {
    names = readdirSync(admin);
  } catch {
    // no linked worktrees
  }
  for (const name of names) {
    try {
      tops.push(dirname(readFileSync(join(admin, name, 'gitdir'), 'utf8').trim()));
    } catch {
      // half-created or broken for git itself: not a place an edit can land in
    }
  }
  return tops.map(real);
}

/** The real path of `p`, resolving symlinks of its nearest existing ancestor (the file may not exist yet). */
function real(p: string): string {
  let dir = p;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(dir), ...rest.reverse());
    } catch {
      const up = dirname(dir);
      if (up === dir) return p;
      rest.push(dir.slice(up.length).replace(/^\/+/, ''));
      dir = up;
    }
  }
}

function inside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

async function ownership(ctx: RepoContext): Promise<OwnershipModel> {
  // The blob the git hooks recorded for base while it is fresh (no git process), else ask git.
  let blob: string | null | undefined = freshHookState(ctx.commonDir)?.blob;
  if (!blob) {
    const base = gitTry(['config', '--get', 'parallel.base'], { cwd: ctx.toplevel });
    // Base's tip and its plan blob in one call; recorded so the next edit asks git nothing.
    const both = base ? gitTry(['rev-parse', '--quiet', `refs/heads/${base}`, `refs/heads/${base}:${PLAN_FILE}`], { cwd: ctx.toplevel }) : null;
    const [tip, planBlob] = (both ?? '').split('\n');
    blob = tip && planBlob ? planBlob : null;
    if (base && tip && planBlob) recordAgentState(ctx.commonDir, base, tip, planBlob);
  }
  if (blob) {
    const file = join(rulesRoot(ctx), blob, OWNERSHIP_JSON);
    if (existsSync(file)) return buildOwnership(JSON.parse(readFileSync(file, 'utf8')) as Parameters<typeof buildOwnership>[0]);
  }
  // First edit after the plan changed (or an unusual base): read and compile the plan once.
  const { resolveBase } = await import('../git/repo.js');
  const { readCommittedPlan } = await import('../config/plan-source.js');
  const { ensureRules } = await import('../hooks/rule-cache.js');
  const { plan, blob: planBlob } = await readCommittedPlan(ctx, resolveBase(ctx));
  ensureRules(ctx, plan, planBlob);
  return buildOwnership(plan);
}

export interface EditTarget {
  phase: string;
  session: string;
  reviewer: boolean;
}

/** Refusal reasons for the paths an edit targets (`cwd`-relative or absolute). */
export async function judgeEditTargets(ctx: RepoContext, target: EditTarget, cwd: string, paths: readonly string[]): Promise<string[]> {
  // Refusal reasons, and (at the indices in `foreign`) paths another phase owns, refused below unless git ignores them.
  const out: string[] = [];
  const foreign = new Set<number>();
  const own = real(ctx.toplevel);
  const tops = worktreeTops(ctx);
  const gitDirs = [real(ctx.commonDir), real(ctx.gitDir)];
  let model: OwnershipModel | undefined;
  for (const raw of paths) {
    const abs = real(isAbsolute(raw) ? raw : resolve(cwd, raw));
    if (gitDirs.some((d) => inside(abs, d))) {
      out.push(`parallel: ${abs} is inside the repository's git dir, which no session edits; phase ${target.phase} works only on its own files in ${own}.`);
      continue;
    }
    // The innermost worktree holding the path (a phase worktree may sit inside the main one).
    const holder = tops.filter((t) => inside(abs, t)).sort((a, b) => b.length - a.length)[0];
    if (!holder) continue; // outside every worktree (/tmp): not an ownership matter
    if (holder !== own) {
      out.push(`parallel: ${abs} is in another worktree of this repository (${holder}), not in phase ${target.phase}'s worktree ${own}. Edit the same file under ${own} if the phase owns it; what another worktree holds belongs to its session.`);
      continue;
    }
    const rel = relative(own, abs).split(sep).join('/');
    if (rel === '' || rel === '.git' || rel.startsWith('.git/')) {
      out.push(`parallel: ${abs} is not a file phase ${target.phase} edits.`);
      continue;
    }
    if (rel === '.parallel' || rel.startsWith('.parallel/')) continue; // the brief and the scratch folders
    if (rel === PLAN_FILE) {
      out.push(`parallel: ${rel} is the plan, owned by the coordinator; phase ${target.phase} may not change it. Ask the coordinator to change the plan (or record what you need with "parallel handoff -m ...").`);
      continue;
    }
    if (target.reviewer) {
      out.push(`parallel: phase ${target.phase} is a reviewer phase; every edit here is refused (${rel}). Record the verdict with "parallel review approve -m MSG" or "parallel review reject -m MSG".`);
      continue;
    }
    model ??= await ownership(ctx);
    if (model.mayChange(target.phase, rel)) continue;
    out.push(rel);
    foreign.add(out.length - 1);
  }
  if (!foreign.size) return out;
  // Paths git ignores (node_modules, build output) are never committed: not an ownership matter.
  const ignored = ignoredPaths(own, [...foreign].map((i) => out[i]!));
  const reasons: string[] = [];
  out.forEach((entry, i) => {
    if (!foreign.has(i)) reasons.push(entry);
    else if (!ignored.has(entry)) reasons.push(foreignReason(model!, target.phase, entry));
  });
  return reasons;
}

function foreignReason(model: OwnershipModel, phase: string, rel: string): string {
  const owner = model.describeOwner(rel);
  return `parallel: ${rel} is owned by ${owner === 'nobody' ? 'no phase' : owner}, not by phase ${phase}, so this edit is refused. Change only the paths the brief lists as this phase's (or shared); if ${rel} must change, say so with "parallel handoff -m ..." for ${owner === 'nobody' ? 'the coordinator' : owner}.`;
}

/**
 * The paths among `rels` git ignores, in one `git check-ignore --stdin -z` (an apply_patch may
 * name many files). Like `check-ignore -q -- <path>` per path: a tracked file is never ignored.
 * Should git refuse the batch, each path is asked alone, so one odd path cannot hide the others.
 */
function ignoredPaths(cwd: string, rels: readonly string[]): Set<string> {
  const res = git(['check-ignore', '--stdin', '-z'], { cwd, input: rels.join('\0') + '\0', okCodes: [0, 1, 128] });
  if (res.exitCode !== 128) return new Set(res.stdout.split('\0').filter(Boolean));
  return new Set(rels.filter((rel) => gitTry(['check-ignore', '-q', '--', rel], { cwd }) !== null));
}
