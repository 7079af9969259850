/**
 * doctor's checks of what integrate trusts (src/store/trusted.ts): the integration branch at a
 * commit integrate never recorded; base holding phase work integrate never tested
 * (src/core/untested-base.ts: `git update-ref refs/heads/main HEAD` from a phase worktree with
 * hooks off, a push); and phase branches renamed away and back (`git branch -m` runs no
 * reference-transaction hook). Base is the user's: commits people make on it are not flagged.
 */
import { resolveBase, type RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH, phaseBranch } from '../core/plan.js';
import { integrationTrust } from '../store/trusted.js';
import { renamedPhaseBranches } from '../git/phase-reflog.js';
import { describeBaseWork, untestedBaseWork } from '../enforce/base-work.js';

export interface Finding {
  message: string;
  fix: string;
}

const short = (c: string) => c.slice(0, 7);

export function trustFindings(ctx: RepoContext): { detail: string; problems: Finding[] } {
  const cwd = ctx.toplevel;
  let base: string;
  try {
    base = resolveBase(ctx, { verified: true });
  } catch {
    return { detail: 'no base', problems: [] };
  }
  const problems: Finding[] = [];
  const trust = integrationTrust(cwd, base);
  if (trust.strays.length) {
    problems.push({
      message: `${INTEGRATION_BRANCH} is at ${short(trust.tip!)}, where integrate never put it: ${trust.strays.length} commit${trust.strays.length === 1 ? '' : 's'} on it nobody integrated (${trust.strays.slice(0, 5).map(short).join(', ')}); integrate refuses to build on it`,
      fix: 'parallel integrate --reset   (moves it back to the last commit integrate recorded; the stray commits are kept under refs/parallel/saved/integration/)',
    });
  }
  // Base holding phase work no integrate tested (the rule: src/core/untested-base.ts).
  const onBase = describeBaseWork(ctx, untestedBaseWork(ctx, base, trust));
  if (onBase) problems.push(onBase);
  const detail = !trust.tip ? `${INTEGRATION_BRANCH} not created yet` : trust.strays.length ? `${INTEGRATION_BRANCH} at an unrecorded commit` : `${INTEGRATION_BRANCH} at ${short(trust.tip)} (trusted)`;
  return { detail, problems };
}

export function renameFindings(ctx: RepoContext, ids: readonly string[]): Finding[] {
  return [...renamedPhaseBranches(ctx.commonDir, ids)].map(([id, line]) => ({
    message: `${phaseBranch(id)} was renamed at some point (its reflog: "${line}"); "git branch -m" runs no hook, so commits made under another name were not checked when they were made`,
    fix: `parallel verify ${id}   (integrate verifies it too; if it is clean, nothing else to do)`,
  }));
}
