/**
 * `parallel doctor [--json]`: git version, hooks present and reached in every phase worktree,
 * base recorded, stale locks, worktrees missing, coordination ref readable, and what integrate
 * trusts (the integration branch, phase work on base, renamed phase branches). Each problem comes
 * with the exact command that fixes it; exit 1 if there is any.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandInput, CommandResult } from '../command.js';
import { ExitCode } from '../errors.js';
import { git, gitTry } from '../git/git.js';
import { openRepo, type RepoContext } from '../git/repo.js';
import { NOTES_REF } from '../core/plan.js';
import { hooksFolderProblems, worktreeHookProblems } from '../hooks/health.js';
import { parallelHooksDir, phaseWorktrees } from '../hooks/install.js';
import { phaseTips } from '../git/integrated.js';
import { renameFindings, trustFindings } from './doctor-trust.js';
import { findScratchWorktrees } from '../integrate/scratch-place.js';
import { readPhaseTips } from '../git/phase-tips.js';
import { cloneOrigin, readSessions } from '../store/store.js';
import { findMissingBranches } from '../worktrees/missing-branch.js';
import { describeMissingBranch, missingBranchFix, type MissingBranchFacts } from '../core/missing-branch.js';
import { readCommittedPlan, VERIFIED } from '../config/plan-source.js';
import { resolveBase } from '../git/repo.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  problems: { message: string; fix: string }[];
}

const MIN_GIT = [2, 39];
/** A git lock file older than this, with no git running, is left over from a killed git. */
const STALE_GIT_LOCK_MS = 10 * 60_000;

function check(name: string, detail: string, problems: Check['problems']): Check {
  return { name, ok: problems.length === 0, detail, problems };
}

function gitVersion(cwd: string): Check {
  const out = git(['--version'], { cwd }).stdout.trim();
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(out);
  const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  const old = major < MIN_GIT[0]! || (major === MIN_GIT[0] && minor < MIN_GIT[1]!);
  return check('git', out, old ? [{ message: `${out} is older than git ${MIN_GIT.join('.')}, which parallel needs (merge-tree --write-tree, remerge-diff, worktree config)`, fix: 'upgrade git (e.g. "brew upgrade git" or your package manager), then run "parallel doctor" again' }] : []);
}

function base(ctx: RepoContext): Check {
  const recorded = gitTry(['config', '--get', 'parallel.base'], { cwd: ctx.toplevel });
  if (!recorded) return check('base', 'not recorded', [{ message: 'no base branch is recorded (git config parallel.base)', fix: 'parallel init' }]);
  if (!gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${recorded}`], { cwd: ctx.toplevel })) {
    return check('base', recorded, [{ message: `the recorded base branch "${recorded}" does not exist`, fix: `git branch ${recorded} <commit>   (or record another base: git config parallel.base <branch>)` }]);
  }
  const plan = gitTry(['rev-parse', '--verify', '--quiet', `refs/heads/${recorded}:.parallel.yml`], { cwd: ctx.toplevel });
  if (!plan) return check('base', recorded, [{ message: `.parallel.yml is not committed on ${recorded}, so hooks and commands have no plan to read`, fix: `git switch ${recorded} && git add .parallel.yml && git commit -m "Add the parallel plan"` }]);
  return check('base', `${recorded} (plan committed)`, []);
}

function hooks(ctx: RepoContext): Check {
  const problems = [...hooksFolderProblems(ctx)];
  if (problems.length === 0) problems.push(...worktreeHookProblems(ctx));
  const count = phaseWorktrees(ctx).filter((w) => !w.missing).length;
  return check('hooks', `${parallelHooksDir(ctx)}; ${count} phase worktree${count === 1 ? '' : 's'}`, problems);
}

function worktrees(ctx: RepoContext, gone: Map<string, MissingBranchFacts>): Check {
  const problems: Check['problems'] = [];
  for (const wt of phaseWorktrees(ctx)) {
    if (wt.missing) problems.push({ message: `the worktree of phase ${wt.marker.phase} (${wt.path || '?'}) was deleted by hand; its branch parallel/${wt.marker.phase} is kept`, fix: `parallel prune   (then "parallel start ${wt.marker.phase}" to work on it again)` });
  }
  const listed = git(['worktree', 'list', '--porcelain'], { cwd: ctx.toplevel }).stdout;
  const prunable = listed.split('\n\n').filter((b) => /^prunable/m.test(b)).map((b) => /^worktree (.*)$/m.exec(b)?.[1] ?? '?');
  const scratch = findScratchWorktrees(ctx.commonDir);
  const known = new Set([...phaseWorktrees(ctx).map((w) => w.path), ...scratch.map((w) => w.path)]);
  for (const path of prunable) if (!known.has(path)) problems.push({ message: `git still records a worktree at ${path}, which is gone`, fix: 'git worktree prune' });
  for (const w of scratch) {
    if (w.missing) problems.push({ message: `integrate's scratch worktree at ${w.path} was deleted by hand (git still records it)`, fix: 'parallel prune   (integrate re-creates the scratch worktree when it needs it)' });
    else if (w.legacy) problems.push({ message: `integrate's scratch worktree is still under the git dir at ${w.path}, where test suites that treat dot-folders specially behave differently`, fix: 'parallel integrate   (moves it next to the phase worktrees with "git worktree move"; or "parallel prune" to remove it)' });
  }
  for (const [id, m] of gone) {
    problems.push({ message: `phase ${id}: ${describeMissingBranch(id, m, 7)} (the branch was renamed or deleted there, so verify cannot check its work and integrate cannot merge it)`, fix: missingBranchFix(id, m) });
  }
  const present = scratch.filter((w) => !w.missing);
  const n = phaseWorktrees(ctx).length;
  return check('worktrees', `${n} phase worktree${n === 1 ? '' : 's'}${present.length ? `; integrate's scratch worktree: ${present.map((w) => w.path).join(', ')}` : ''}`, problems);
}

/** Phases started here whose branch was renamed or deleted from their worktree (none without a plan on base). */
async function missingPhaseBranchesOf(ctx: RepoContext): Promise<Map<string, MissingBranchFacts>> {
  try {
    const base = resolveBase(ctx, VERIFIED);
    const { plan } = await readCommittedPlan(ctx, base, VERIFIED);
    const tips = readPhaseTips(ctx.toplevel, { base });
    return findMissingBranches({
      cwd: ctx.toplevel, commonDir: ctx.commonDir, origin: cloneOrigin(ctx), plan, records: readSessions(ctx),
      local: tips.local, delivered: [tips.base, tips.integration].filter((t): t is string => Boolean(t)),
    });
  } catch {
    return new Map(); // no base or no plan: the base check reports that
  }
}

async function locks(ctx: RepoContext): Promise<Check> {
  const problems: Check['problems'] = [];
  const dir = join(ctx.commonDir, 'parallel', 'integrate');
  if (existsSync(join(dir, 'lock'))) {
    const { inspectLock } = await import('../integrate/lock.js');
    const lock = inspectLock(dir);
    if (lock && !lock.alive) problems.push({ message: `integrate's lock is left from a run that is gone (pid ${lock.info.pid} on ${lock.info.host}, since ${lock.info.since})`, fix: 'parallel integrate --continue   (resumes that run and clears the lock; or "parallel integrate --abort")' });
  }
  const gitDirs = [ctx.commonDir, ...phaseWorktrees(ctx).filter((w) => !w.missing).map((w) => w.gitDir)];
  const candidates = [...gitDirs.map((d) => join(d, 'index.lock')), join(ctx.commonDir, 'refs', 'notes', 'parallel.lock'), join(ctx.commonDir, 'packed-refs.lock')];
  for (const file of candidates) {
    try {
      const age = Date.now() - statSync(file).mtimeMs;
      if (age > STALE_GIT_LOCK_MS) problems.push({ message: `${file} is ${Math.round(age / 60_000)} minutes old: left by a git that was killed`, fix: `rm ${JSON.stringify(file)}   (only when no git command is running in this repository)` });
    } catch {
      // no such lock
    }
  }
  return check('locks', problems.length ? 'stale locks' : 'none stale', problems);
}

function coordination(ctx: RepoContext): Check {
  const tip = gitTry(['rev-parse', '--verify', '--quiet', `${NOTES_REF}^{commit}`], { cwd: ctx.toplevel });
  if (!tip) {
    if (gitTry(['rev-parse', '--verify', '--quiet', NOTES_REF], { cwd: ctx.toplevel })) {
      return check('coordination', NOTES_REF, [{ message: `${NOTES_REF} does not point to a commit`, fix: 'git fsck --full   (then restore the ref from a clone with "parallel sync <remote>")' }]);
    }
    return check('coordination', `${NOTES_REF} (no events yet)`, []);
  }
  const tree = git(['ls-tree', '-r', '--name-only', tip], { cwd: ctx.toplevel, okCodes: [0, 128] });
  if (tree.exitCode !== 0) return check('coordination', NOTES_REF, [{ message: `${NOTES_REF} cannot be read: ${tree.stderr.trim().split('\n')[0]}`, fix: 'git fsck --full   (then restore missing objects from a clone with "parallel sync <remote>")' }]);
  const lost = lostStoreTip(ctx, tip);
  if (lost) return check('coordination', NOTES_REF, [lost]);
  return check('coordination', `${NOTES_REF} readable (${tree.stdout.split('\n').filter(Boolean).length} entries)`, []);
}

/**
 * The ref's own reflog names an earlier value that its tip no longer reaches: someone rewound it
 * past the hooks (`git -c core.hooksPath=/dev/null update-ref refs/notes/parallel <commit>`), and
 * every event since then is out of sight though still in the object store. Two git calls.
 */
function lostStoreTip(ctx: RepoContext, tip: string): { message: string; fix: string } | undefined {
  let values: string[];
  try {
    values = readFileSync(join(ctx.commonDir, 'logs', ...NOTES_REF.split('/')), 'utf8').split('\n')
      .map((l) => /^[0-9a-f]{40,64} ([0-9a-f]{40,64}) /.exec(l)?.[1]).filter((v): v is string => !!v && !/^0+$/.test(v));
  } catch {
    return undefined; // no reflog (core.logAllRefUpdates off)
  }
  // Judge against the newest value of the same read: a store write landing between reading the
  // tip and the reflog (a commit note writer, a heartbeat) is not a rewind. A rewind is itself
  // the newest entry, so it is still seen.
  tip = values[values.length - 1] ?? tip;
  const unreached = new Set(git(['rev-list', '--ignore-missing', '--stdin'], { cwd: ctx.toplevel, input: [...new Set(values), `^${tip}`].join('\n') + '\n' }).stdout.split('\n'));
  const candidates = [...new Set(values)].filter((v) => unreached.has(v));
  if (candidates.length === 0) return undefined;
  // Only the store's own commits hold events (a stray value the ref was rewound to holds none).
  const stored = new Set(git(['log', '--no-walk=unsorted', '--format=%H %cn', '--stdin'], { cwd: ctx.toplevel, input: candidates.join('\n') + '\n' }).stdout
    .split('\n').filter((l) => l.endsWith(' parallel')).map((l) => l.split(' ')[0]));
  const last = [...values].reverse().find((v) => stored.has(v));
  if (!last) return undefined;
  const writtenSince = git(['log', '-1', '--format=%cn', tip], { cwd: ctx.toplevel }).stdout.trim() === 'parallel';
  return {
    message: `${NOTES_REF} was moved to ${tip.slice(0, 12)}, which does not hold its earlier value ${last.slice(0, 12)} (its reflog): the status and events recorded up to then are out of sight (a hook-less update-ref or a forced push)`,
    fix: writtenSince
      ? `git log -g ${NOTES_REF}   (events were written since: keep them by merging ${last.slice(0, 12)} back; push it to a clone and run "parallel sync" there, or ask for help)`
      : `git update-ref ${NOTES_REF} ${last} ${tip}   (compare-and-swap: puts the ref back where its events are; nothing was written since)`,
  };
}

function trust(ctx: RepoContext): Check {
  const { detail, problems } = trustFindings(ctx);
  const ids = [...phaseTips(ctx.toplevel).keys()];
  return check('trust', detail, [...problems, ...renameFindings(ctx, ids)]);
}

/** Each phase worktree has the agent hook settings the committed plan's `agents:` asks for. */
async function agents(ctx: RepoContext): Promise<Check> {
  let list: readonly string[];
  try {
    const { loadPlanContext } = await import('../worktrees/plan-context.js');
    list = (await loadPlanContext(ctx.toplevel, ctx)).plan.agents;
  } catch {
    return check('agents', 'no committed plan to read', []);
  }
  const { agentProblem } = await import('../worktrees/agent-setup.js');
  const problems: Check['problems'] = [];
  for (const wt of phaseWorktrees(ctx).filter((w) => !w.missing)) {
    for (const agent of list) {
      const p = agentProblem({ path: wt.path, gitDir: wt.gitDir, commonDir: ctx.commonDir }, agent as never);
      if (p) problems.push({ message: `phase ${wt.phase}: ${p}`, fix: p.includes(' tracks ') ? `leave ${agent} out of "agents:" in the plan, or stop tracking the file (git rm --cached)` : `parallel agents install ${wt.phase}` });
    }
  }
  return check('agents', list.length ? list.join(', ') : 'off (agents: [])', problems);
}

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  const checks = [gitVersion(ctx.toplevel), base(ctx), hooks(ctx), worktrees(ctx, await missingPhaseBranchesOf(ctx)), await locks(ctx), coordination(ctx), trust(ctx), await agents(ctx)];
  const problems = checks.flatMap((c) => c.problems.map((p) => ({ check: c.name, ...p })));
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.ok ? 'ok     ' : 'PROBLEM'}  ${c.name}: ${c.detail}`);
    for (const p of c.problems) lines.push(`         ${p.message}`, `         fix: ${p.fix}`);
  }
  lines.push(problems.length ? `parallel: ${problems.length} problem${problems.length === 1 ? '' : 's'} found; run the fix command${problems.length === 1 ? '' : 's'} above.` : 'No problems found.');
  return {
    exitCode: problems.length ? ExitCode.refused : ExitCode.ok,
    data: { checks: checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail })), problems },
    text: lines.join('\n'),
  };
}
