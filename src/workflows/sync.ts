/**
 * `parallel sync [<remote>]`: fetch the remote's coordination ref into
 * `refs/notes/remotes/<remote>/parallel` (never over the local ref), merge it into the local ref
 * (our own merge: a union of events), push with compare-and-swap (a plain push, which the remote
 * refuses when it moved since our fetch), and retry when another clone pushed first. Then push
 * this clone's phase branches.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { ParallelError, ExitCode, usageError } from '../errors.js';
import { git, gitTry, ZERO_OID } from '../git/git.js';
import { gitReason } from '../git/reason.js';
import { openRepo, type RepoContext } from '../git/repo.js';
import { STORE_REF, readStoreTip } from '../store/store.js';
import { mergeStoreTips } from '../store/merge.js';
import { phaseWorktrees } from '../store/gather.js';
import { INTEGRATION_BRANCH } from '../core/plan.js';
import { checkedOutBranches } from '../worktrees/layout.js';

const ROUNDS = 12;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function pickRemote(ctx: RepoContext, arg: string | undefined, command = 'sync'): string {
  const remotes = (gitTry(['remote'], { cwd: ctx.toplevel }) ?? '').split('\n').filter(Boolean);
  if (arg !== undefined) {
    if (!remotes.includes(arg)) throw usageError(`parallel: there is no remote "${arg}"${remotes.length ? ` (remotes: ${remotes.join(', ')})` : ''}. Add it with "git remote add ${arg} <url>".`);
    return arg;
  }
  if (remotes.includes('origin')) return 'origin';
  if (remotes.length === 1) return remotes[0]!;
  throw usageError(remotes.length
    ? `parallel: this repository has several remotes (${remotes.join(', ')}) and none is "origin". Name one: parallel ${command === 'sync' ? 'sync' : 'integrate --push'} <remote>.`
    : `parallel: this repository has no remote to ${command === 'sync' ? 'sync with' : 'push to'}. Add one with "git remote add origin <url>", then run "parallel ${command === 'sync' ? 'sync' : 'integrate --push'}".`);
}

function tracking(remote: string): string {
  return `refs/notes/remotes/${remote}/parallel`;
}

/** Fetch the remote's coordination ref into its tracking ref; null when the remote has none. */
async function fetchStore(ctx: RepoContext, remote: string): Promise<string | null> {
  let res = git(['fetch', '--quiet', '--no-tags', '--end-of-options', remote, `+${STORE_REF}:${tracking(remote)}`], { cwd: ctx.toplevel, okCodes: [0, 1, 128] });
  // Another sync of this clone may hold the tracking ref's lock for a moment.
  for (let i = 0; i < 20 && res.exitCode !== 0 && /cannot lock ref|\.lock': File exists/i.test(res.stderr); i++) {
    await sleep(20 + Math.random() * 80);
    res = git(['fetch', '--quiet', '--no-tags', '--end-of-options', remote, `+${STORE_REF}:${tracking(remote)}`], { cwd: ctx.toplevel, okCodes: [0, 1, 128] });
  }
  if (res.exitCode !== 0) {
    if (/couldn't find remote ref/i.test(res.stderr)) return null;
    throw new ParallelError(`parallel: could not fetch ${STORE_REF} from "${remote}": ${gitReason(res.stderr)}. Check that "git fetch ${remote}" works.`, { code: 'git' });
  }
  return gitTry(['rev-parse', '--verify', '--quiet', `${tracking(remote)}^{commit}`], { cwd: ctx.toplevel });
}

export interface StoreExchange {
  /** Events received from the remote (-1 when it was a fast-forward or a new ref: not counted). */
  received: number;
  gotNew: boolean;
  pushed: boolean;
  merges: number;
}

/**
 * Fetch the remote's coordination ref, merge it into ours, and (with `push`) push the result,
 * fetching and merging again while other clones push first. Shared by sync and integrate --push.
 */
export async function exchangeStore(ctx: RepoContext, remote: string, opts: { push: boolean } = { push: true }): Promise<StoreExchange> {
  let received = 0;
  let gotNew = false;
  let pushed = false;
  let merges = 0;
  for (let round = 1; ; round++) {
    const theirs = await fetchStore(ctx, remote);
    const ours = readStoreTip(ctx);
    if (theirs) {
      const m = mergeStoreTips(ctx.toplevel, ours, theirs);
      if (!m.outcome.ok) {
        if (m.outcome.reason === 'moved' && round < ROUNDS) {
          await sleep(Math.random() * 50 * round);
          continue; // a local writer moved the ref meanwhile: merge again
        }
        const why = m.outcome.reason === 'locked' ? `it is locked (${m.outcome.lockFile})` : m.outcome.reason === 'error' ? m.outcome.stderr : 'it kept moving';
        throw new ParallelError(`parallel: could not merge "${remote}"'s coordination ref into ${STORE_REF}: ${why}. Run "parallel sync" again.`, { exitCode: ExitCode.refused, code: 'git' });
      }
      if (m.how === 'merged') merges++;
      if (m.received > 0) received += m.received;
      if (m.received !== 0) gotNew = true;
    }
    const tip = readStoreTip(ctx);
    if (!opts.push || !tip || tip === theirs) {
      pushed = false;
      break; // nothing of ours to send
    }
    // A plain push is a compare-and-swap on the remote: it is refused unless our tip contains theirs.
    const push = git(['push', '--quiet', '--porcelain', '--end-of-options', remote, `${STORE_REF}:${STORE_REF}`], { cwd: ctx.toplevel, okCodes: [0, 1, 128] });
    if (push.exitCode === 0) {
      pushed = true;
      break;
    }
    if (round >= ROUNDS) {
      throw new ParallelError(`parallel: "${remote}" kept moving while syncing (${ROUNDS} rounds; other clones are syncing at the same time). Run "parallel sync" again.`, { exitCode: ExitCode.busy, code: 'busy' });
    }
    if (!/rejected|non-fast-forward|fetch first|stale info|failed to update/i.test(push.stdout + push.stderr)) {
      throw new ParallelError(`parallel: pushing ${STORE_REF} to "${remote}" failed: ${gitReason(push.stderr || push.stdout)}. Check that "git push ${remote}" works.`, { code: 'git' });
    }
    await sleep(20 + Math.random() * 80 * round);
  }
  return { received, gotNew, pushed, merges };
}

/**
 * Bring the local integration branch up to the remote's (fetched to
 * `refs/remotes/<remote>/parallel/integration`), so every clone agrees on what is integrated:
 * created or fast-forwarded by compare-and-swap, never forced. A local branch that has merges
 * the remote lacks, or one checked out in a worktree, is left alone (and said so).
 */
function followIntegration(ctx: RepoContext, remote: string): string | undefined {
  // From the main worktree: a phase worktree's hooks guard this branch against its session's
  // own moves, and following the remote is none of those.
  const cwd = ctx.mainWorktree;
  const ref = `refs/heads/${INTEGRATION_BRANCH}`;
  const theirs = gitTry(['rev-parse', '--verify', '--quiet', `refs/remotes/${remote}/${INTEGRATION_BRANCH}^{commit}`], { cwd });
  if (!theirs) return undefined;
  const ours = gitTry(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd });
  if (ours === theirs) return undefined;
  if (ours && git(['merge-base', '--is-ancestor', ours, theirs], { cwd, okCodes: [0, 1] }).exitCode !== 0) {
    return `${INTEGRATION_BRANCH} here has merges "${remote}" lacks, so it was left as it is (${remote}'s is ${remote}/${INTEGRATION_BRANCH}).`;
  }
  if (ours && checkedOutBranches(cwd).whereIs.has(ref)) return `${INTEGRATION_BRANCH} is checked out in a worktree, so it was not moved to ${remote}'s.`;
  const moved = git(['update-ref', '-m', `parallel sync: ${remote}`, ref, theirs, ours ?? ZERO_OID], { cwd, okCodes: [0, 1, 128] });
  return moved.exitCode === 0 ? `${INTEGRATION_BRANCH} ${ours ? 'fast-forwarded' : 'created'} at ${remote}'s (${theirs.slice(0, 12)}).` : `${INTEGRATION_BRANCH} moved meanwhile, so it was not updated to ${remote}'s.`;
}

export async function run(input: CommandInput): Promise<CommandResult> {
  if (input.args.length > 1) throw usageError('parallel: "sync" takes at most one remote: parallel sync [<remote>].');
  const ctx = openRepo(input.cwd);
  const remote = pickRemote(ctx, input.args[0]);
  const { received, gotNew, pushed, merges } = await exchangeStore(ctx, remote);
  // This clone's phase branches: those with a worktree here. A plain push never overwrites others' work.
  const branches = [...phaseWorktrees(ctx.commonDir).keys()].filter((id) => gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/parallel/${id}`], { cwd: ctx.toplevel }));
  const refused: string[] = [];
  if (branches.length) {
    const specs = branches.map((id) => `refs/heads/parallel/${id}:refs/heads/parallel/${id}`);
    const res = git(['push', '--porcelain', '--end-of-options', remote, ...specs], { cwd: ctx.toplevel, okCodes: [0, 1, 128] });
    for (const line of res.stdout.split('\n')) {
      const m = /^!\trefs\/heads\/parallel\/([^:]+):/.exec(line);
      if (m) refused.push(m[1]!);
    }
    if (res.exitCode !== 0 && refused.length === 0) {
      throw new ParallelError(`parallel: pushing phase branches to "${remote}" failed: ${gitReason(res.stderr)}. Check that "git push ${remote}" works.`, { code: 'git' });
    }
  }
  // Phase branches of other clones, for their commit counts here.
  git(['fetch', '--quiet', '--no-tags', '--end-of-options', remote, `+refs/heads/parallel/*:refs/remotes/${remote}/parallel/*`], { cwd: ctx.toplevel, okCodes: [0, 1, 128] });
  const integration = followIntegration(ctx, remote);
  const lines = [
    `Synced ${STORE_REF} with "${remote}": ${received > 0 ? `received ${received} event${received === 1 ? '' : 's'}` : gotNew ? 'received new events' : 'received nothing new'}, ${pushed ? 'pushed' : 'nothing to push'}.`,
  ];
  if (integration) lines.push(integration);
  if (branches.length) lines.push(`Pushed phase branches: ${branches.filter((b) => !refused.includes(b)).map((b) => `parallel/${b}`).join(', ') || 'none'}.`);
  if (refused.length) {
    lines.push(`parallel: "${remote}" refused ${refused.map((b) => `parallel/${b}`).join(', ')}: it has commits this clone lacks. Fetch and merge them in that worktree ("git pull ${remote} parallel/<phase>"), then run "parallel sync" again.`);
  }
  return {
    exitCode: refused.length ? ExitCode.refused : ExitCode.ok,
    data: { remote, received: Math.max(0, received), pushed, merges, branches, refused },
    text: lines.join('\n'),
  };
}
