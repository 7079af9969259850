/**
 * `parallel integrate --push [<remote>]`: the queue run against a git host. A wrapper around the
 * plain run: fetch and align (remote-fetch.ts), run integrate here (landing only on the host,
 * after it accepted), then push the coordination ref (merged and retried like sync), then the
 * integration branch and base in ONE atomic push with leases on the values fetched. Either both
 * move on the host or neither does; a remote that moved meanwhile means exit 4, nothing pushed.
 * docs/ARCHITECTURE.md ("integrate --push") has the state machine.
 */
import type { CommandInput, CommandResult } from '../command.js';
import { ParallelError, ExitCode, usageError } from '../errors.js';
import { git, gitTry } from '../git/git.js';
import { gitReason } from '../git/reason.js';
import { openRepo, resolveBase, stateDir, type RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH } from '../core/plan.js';
import { exchangeStore, pickRemote } from '../workflows/sync.js';
import { acquireLock, type HeldLock } from './lock.js';
import { readJournal } from './journal.js';
import { land } from './land.js';
import { short } from './plan-steps.js';
import { faultPoint } from './faults.js';
import { fetchForPush, type RemoteTips } from './remote-fetch.js';

const INTEGRATION_REF = `refs/heads/${INTEGRATION_BRANCH}`;

export const MOVED = 'the remote moved; nothing was pushed; run it again';

export interface PushOutcome {
  /** pushed: the host took it; moved: a lease failed, nothing of the branches changed; none: nothing to push. */
  result: 'pushed' | 'moved' | 'none';
  /** With --land, base did not land: the host's base moved on its own and this run's result lacks it (the one-line error). */
  drift?: string;
  refs: { ref: string; from: string | null; to: string }[];
  store_pushed: boolean;
  lines: string[];
}

function rev(cwd: string, ref: string): string | null {
  return gitTry(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd });
}

/**
 * The refs to push: the integration branch where it moved here, base (with --land) to the same
 * tested commit. baseMoved: base cannot land because the result lacks the host's base.
 */
function updates(ctx: RepoContext, base: string, landToo: boolean, leases: RemoteTips): { refs: PushOutcome['refs']; baseMoved: boolean } | 'stale' {
  const cwd = ctx.toplevel;
  const head = rev(cwd, INTEGRATION_REF);
  if (!head) return { refs: [], baseMoved: false };
  const contains = (oid: string | null) => !oid || git(['merge-base', '--is-ancestor', oid, head], { cwd, okCodes: [0, 1, 128] }).exitCode === 0;
  // Only forward: a resumed job may have started before the host's integration branch moved; its
  // result does not contain the host's and must not replace it, even though the lease would match.
  if (!contains(leases.integration)) return 'stale';
  const out: PushOutcome['refs'] = [];
  if (head !== leases.integration) out.push({ ref: INTEGRATION_REF, from: leases.integration, to: head });
  const baseAncestor = contains(leases.base);
  // Base only ever goes to a commit the integration branch holds (never ahead of it, never untested).
  // A resumed job pinned base before the host's moved on its own: its result lacks that base.
  if (landToo && head !== leases.base && baseAncestor) out.push({ ref: `refs/heads/${base}`, from: leases.base, to: head });
  return { refs: out, baseMoved: landToo && !baseAncestor };
}

/** One atomic push with a lease per ref; 'moved' when the host refused because a ref moved. */
function atomicPush(ctx: RepoContext, remote: string, refs: PushOutcome['refs']): 'pushed' | 'moved' | 'none' {
  const leases = refs.map((r) => `--force-with-lease=${r.ref}:${r.from ?? ''}`);
  const specs = refs.map((r) => `${r.to}:${r.ref}`);
  const res = git(['push', '--porcelain', '--atomic', '--no-verify', ...leases, '--end-of-options', remote, ...specs], { cwd: ctx.toplevel, okCodes: [0, 1, 128] });
  // "=": the host already had exactly this (another runner made the identical merges): nothing moved.
  if (res.exitCode === 0) return res.stdout.split('\n').some((l) => /^[ +*]\t/.test(l)) ? 'pushed' : 'none';
  const said = res.stdout + res.stderr;
  // The host itself said no (a protected branch, a hook): running again would meet the same refusal.
  const declined = res.stdout.split('\n').filter((l) => /^!\t/.test(l) && /\[remote rejected\] \((?!failed to update|cannot lock|incorrect old value|atomic)/i.test(l));
  if (declined.length) {
    const host = res.stderr.split('\n').filter((l) => /^remote: \S/.test(l)).map((l) => l.replace(/^remote:\s*/, '').trim());
    const why = [...declined.map((l) => `${(l.split('\t')[1] ?? '').replace(/^.*:refs\/heads\//, '')} ${l.split('\t')[2] ?? ''}`.trim()), ...host].join('; ');
    throw new ParallelError(`parallel: "${remote}" declined the push of ${refs.map((r) => r.ref.replace('refs/heads/', '')).join(' and ')}: ${why}. Nothing of them changed there. Let this job push them (CI: allow its token to push to protected branches), then run it again.`, { code: 'git' });
  }
  if (/stale info|rejected|fetch first|non-fast-forward|atomic push failed|failed to update|cannot lock ref/i.test(said)) return 'moved';
  throw new ParallelError(`parallel: pushing ${refs.map((r) => r.ref.replace('refs/heads/', '')).join(' and ')} to "${remote}" failed: ${gitReason(res.stderr || res.stdout)}. Nothing of them changed there. Check that "git push ${remote}" works (CI: the job needs write access), then run it again.`, { code: 'git' });
}

async function pushAfter(ctx: RepoContext, remote: string, base: string, landToo: boolean, leases: RemoteTips): Promise<PushOutcome> {
  // A record of a tested merge that then does not land is harmless, so the store goes first.
  const store = await exchangeStore(ctx, remote, { push: true });
  faultPoint('push-store-pushed');
  const planned = updates(ctx, base, landToo, leases);
  if (planned === 'stale') {
    return { result: 'moved', refs: [], store_pushed: store.pushed, lines: [`parallel: "${remote}" has ${INTEGRATION_BRANCH} at ${short(leases.integration!)}, which this run's result (an interrupted job it resumed) does not contain: ${MOVED}.`] };
  }
  const { refs, baseMoved } = planned;
  const drifted = baseMoved
    ? { drift: `parallel: "${remote}" has ${base} at ${short(leases.base!)}, which moved on its own since this run's job started; its result does not contain it, so ${base} was not landed. Run "parallel integrate --push --land" again: it merges the new ${base}, tests it and lands.` }
    : {};
  if (!refs.length) return { result: 'none', refs, store_pushed: store.pushed, ...drifted, lines: [`Nothing to push: "${remote}" already has ${INTEGRATION_BRANCH}${landToo && !baseMoved ? ` and ${base}` : ''} where this run left them.`] };
  const result = atomicPush(ctx, remote, refs);
  faultPoint('push-branches-pushed');
  if (result === 'none') return { result, refs, store_pushed: store.pushed, ...drifted, lines: [`Nothing to push: "${remote}" already has exactly these commits (another run made the same merges).`] };
  if (result === 'moved') {
    return { result, refs, store_pushed: store.pushed, lines: [`parallel: "${remote}" moved while integrating (another run pushed ${refs.map((r) => r.ref.replace('refs/heads/', '')).join(' or ')} first): ${MOVED}.`] };
  }
  const lines = [`Pushed to "${remote}": ${refs.map((r) => `${r.ref.replace('refs/heads/', '')} ${r.from ? short(r.from) : '(new)'} -> ${short(r.to)}`).join(', ')}.`];
  const landed = refs.find((r) => r.ref === `refs/heads/${base}`);
  if (landed) {
    // The host took it: now base here follows (a fast-forward; a dirty worktree only delays it).
    const here = land(ctx, base, landed.to, landed.from ?? '');
    if (!here.landed && !here.already) lines.push(`${base} in this clone stays where it was: ${here.refusal}.`);
  }
  return { result, refs, store_pushed: store.pushed, ...drifted, lines };
}

/** The plain run, given the lock --push already holds (it takes none of its own). */
export type RunHere = (input: CommandInput, held: HeldLock) => Promise<CommandResult>;

export async function runWithPush(input: CommandInput, runHere: RunHere): Promise<CommandResult> {
  const o = input.opts;
  if (input.args.length > 1) throw usageError(`parallel: integrate --push takes at most one remote (got ${input.args.map((a) => `"${a}"`).join(' ')}). Run "parallel integrate --push [<remote>]".`);
  if (o['dry-run'] || o.abort) throw usageError(`parallel: --push does not combine with ${o.abort ? '--abort' : '--dry-run'}: it pushes a finished run. Run "parallel integrate ${o.abort ? '--abort' : '--dry-run'}" alone.`);
  const ctx = openRepo(input.cwd);
  const remote = pickRemote(ctx, input.args[0], 'integrate');
  const base = resolveBase(ctx, { verified: true });
  const landToo = Boolean(o.land);
  const progress = (line: string) => input.io.err(`parallel: ${line}`);
  // One lock from the fetch to the push: another integrate in this clone cannot slip in between
  // (the leases alone kept the host safe, but its run would have used this one's fetched refs).
  const lock = acquireLock(stateDir(ctx, 'integrate'), 'integrate --push');
  const { fetched, here, pushed } = await (async () => {
    const fetched = await fetchForPush(ctx, remote, base, Boolean(readJournal(stateDir(ctx, 'integrate'))));
    for (const l of fetched.lines) progress(l);
    faultPoint('push-fetched');
    // Land on the host only, after it accepted the integration branch: base here never runs ahead.
    const here = await runHere({ ...input, args: [], opts: { ...o, push: false, land: false } }, lock);
    const pushed = await pushAfter(ctx, remote, base, landToo, fetched.tips);
    return { fetched, here, pushed };
  })().finally(() => lock.release());
  const moved = pushed.result === 'moved';
  // Base that could not land is "did not land" (exit 4) like a lease that failed, not a success.
  // A run that failed (red tests, a conflict) keeps its own exit code: that is what to fix first.
  const exitCode = (here.exitCode ?? 0) !== 0 ? here.exitCode! : moved || pushed.drift ? ExitCode.busy : 0;
  // The refusal is the run's error: on stderr, like every "parallel:" message; the rest is the report.
  if (moved) for (const l of pushed.lines) input.io.err(l);
  if (pushed.drift) input.io.err(pushed.drift);
  const text = [here.text, ...(moved ? [] : pushed.lines)].filter(Boolean).join('\n');
  return {
    exitCode,
    data: { ...here.data, ...(landToo ? { landed: !moved && !pushed.drift && rev(ctx.toplevel, INTEGRATION_REF) === (pushed.refs.find((r) => r.ref === `refs/heads/${base}`)?.to ?? fetched.tips.base) } : {}), push: { remote, result: pushed.result, refs: pushed.refs, store_pushed: pushed.store_pushed, ...(moved ? { message: MOVED } : {}), ...(pushed.drift ? { base_moved: true, message: pushed.drift.replace(/^parallel: /, '') } : {}) } },
    text,
  };
}
