/**
 * The integration branch somewhere integrate never put it (SPEC "Who may do what"): the refusal
 * that names the commits nobody integrated, and `parallel integrate --reset`, which moves the
 * branch back to the last commit integrate recorded (compare-and-swap) and keeps the stray
 * commits under `refs/parallel/saved/integration/<time>`, so nothing is lost.
 */
import { git, gitTry, NO_HOOKS, ZERO_OID } from '../git/git.js';
import { resolveBase, type RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH } from '../core/plan.js';
import { refused } from '../errors.js';
import { integrationTrust, type IntegrationTrust } from '../store/trusted.js';
import { SAVED_REF_PREFIX, refStamp } from '../worktrees/save-work.js';
import { short } from './plan-steps.js';
import { assertNotCheckedOut } from './runner.js';

const SHOWN = 5;

/** `abc1234 "subject"`, for the first few strays (one git call). */
function describeStrays(cwd: string, strays: readonly string[]): string {
  const out = git(['log', '--no-walk=unsorted', '--format=%h "%s"', ...strays.slice(0, SHOWN)], { cwd }).stdout.trim().split('\n');
  return out.join(', ') + (strays.length > SHOWN ? ` and ${strays.length - SHOWN} more` : '');
}

function where(trust: IntegrationTrust, base: string): string {
  return trust.trusted ? `${short(trust.trusted)}, the last commit integrate recorded` : base;
}

/** The refusal when the integration branch holds commits nobody integrated. */
export function strayRefusal(ctx: RepoContext, trust: IntegrationTrust, base: string): Error {
  const n = trust.strays.length;
  return refused(
    `parallel: ${INTEGRATION_BRANCH} is at ${short(trust.tip!)}, where integrate never put it: ${n} commit${n === 1 ? '' : 's'} on it nobody integrated (${describeStrays(ctx.toplevel, trust.strays)}). Integrate builds only on base or on merges it recorded, so nothing was changed. Run "parallel integrate --reset" to move it back to ${where(trust, base)} (the stray commits are kept under ${SAVED_REF_PREFIX}integration/); a phase's work reaches the integration branch only through "parallel done" and "parallel integrate".`,
  );
}

export interface ResetOutcome {
  lines: string[];
  head: string | null;
  saved?: string;
  strays: string[];
}

/** `parallel integrate --reset` (the caller holds integrate's lock and has no pending job). */
export function resetIntegration(ctx: RepoContext): ResetOutcome {
  const cwd = ctx.toplevel;
  const base = resolveBase(ctx, { verified: true });
  const trust = integrationTrust(cwd, base);
  if (!trust.tip || trust.strays.length === 0) {
    const at = trust.tip ? `at ${short(trust.tip)}, a commit integrate recorded (or base)` : 'absent';
    return { lines: [`${INTEGRATION_BRANCH} is ${at}; nothing to reset.`], head: trust.tip, strays: [] };
  }
  assertNotCheckedOut(ctx, INTEGRATION_BRANCH);
  const target = trust.trusted ?? gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${base}^{commit}`], { cwd });
  if (!target) throw refused(`parallel: ${INTEGRATION_BRANCH} holds no commit integrate recorded, and ${base} does not exist here to go back to. Fetch ${base} (or run "parallel sync"), then run "parallel integrate --reset" again.`);
  const stamp = refStamp(new Date());
  let saved: string | undefined;
  for (let n = 0; n < 100 && !saved; n++) {
    const ref = `${SAVED_REF_PREFIX}integration/${stamp}${n ? `-${n}` : ''}`;
    if (git([...NO_HOOKS, 'update-ref', ref, trust.tip, ZERO_OID], { cwd, okCodes: [0, 1, 128] }).exitCode === 0) saved = ref;
  }
  if (!saved) throw new Error(`could not create a ref under ${SAVED_REF_PREFIX}integration/`);
  const moved = git([...NO_HOOKS, 'update-ref', '-m', 'parallel integrate --reset', `refs/heads/${INTEGRATION_BRANCH}`, target, trust.tip], { cwd, okCodes: [0, 1, 128] });
  if (moved.exitCode !== 0) {
    throw refused(`parallel: ${INTEGRATION_BRANCH} moved while it was being reset (${moved.stderr.trim()}); it was left where it is (its commits are also kept at ${saved}). Run "parallel integrate --reset" again.`);
  }
  const n = trust.strays.length;
  return {
    lines: [
      `${INTEGRATION_BRANCH} is back at ${where(trust, base)} (it was at ${short(trust.tip)}).`,
      `The ${n} commit${n === 1 ? '' : 's'} nobody integrated ${n === 1 ? 'is' : 'are'} kept at ${saved} ("git log ${saved} --not ${short(target)}" shows ${n === 1 ? 'it' : 'them'}).`,
    ],
    head: target,
    saved,
    strays: trust.strays,
  };
}
