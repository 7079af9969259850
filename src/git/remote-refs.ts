/**
 * A fresh CI clone has remote-tracking branches only (`origin/main`, `origin/parallel/<id>`):
 * no local base, no local integration branch. Commands that judge phase branches (verify) then
 * take base and the integration branch from the remote, creating the missing local branch at the
 * remote's tip, as `git checkout <branch>` would in that clone. An existing branch is never moved.
 */
import { git, gitTry } from './git.js';
import { INTEGRATION_BRANCH } from '../core/plan.js';

/** The remote-tracking ref of `branch` on origin (else the first remote that has it), if any. */
export function remoteTrackingOf(cwd: string, branch: string): string | null {
  const out = gitTry(['for-each-ref', '--format=%(refname)', 'refs/remotes/'], { cwd }) ?? '';
  const refs = out.split('\n').filter((r) => r.startsWith('refs/remotes/') && r.endsWith(`/${branch}`) && !r.slice('refs/remotes/'.length, -branch.length - 1).includes('/'));
  return refs.find((r) => r === `refs/remotes/origin/${branch}`) ?? refs[0] ?? null;
}

/** Create `refs/heads/<branch>` at its remote-tracking tip when it is missing here; returns whether it did. */
export function adoptRemoteBranch(cwd: string, branch: string): boolean {
  if (gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd })) return false;
  const tracking = remoteTrackingOf(cwd, branch);
  const oid = tracking && gitTry(['rev-parse', '--verify', '--quiet', `${tracking}^{commit}`], { cwd });
  if (!oid) return false;
  // Compare-and-swap from nothing; hooks off (this clone's own new branch, not a phase's).
  return git(['-c', 'core.hooksPath=/dev/null', 'update-ref', '-m', `parallel: ${branch} from ${tracking}`, `refs/heads/${branch}`, oid, '0'.repeat(40)], { cwd, okCodes: [0, 1, 128] }).exitCode === 0;
}

/** Base and the integration branch from the remote where this clone has neither (a CI checkout). */
export function adoptRemoteBase(cwd: string, base: string): void {
  adoptRemoteBranch(cwd, base);
  adoptRemoteBranch(cwd, INTEGRATION_BRANCH);
}
