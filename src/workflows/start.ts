/**
 * `parallel start <phase>... | --wave N | --ready [--session ID] [--meta key=value]`
 *
 * Gather facts (one read of the refs, the worktree list, the phase markers) -> decide every
 * phase's step (pure, src/worktrees/start-steps.ts; one refusal stops all) -> create the
 * worktrees all or nothing -> record `start` events -> run `setup` with its output streamed.
 */
import { join } from 'node:path';
import type { CommandInput, CommandResult } from '../command.js';
import { refused, usageError } from '../errors.js';
import { parseOptions, requestedPhases } from '../worktrees/start-options.js';
import { readPhaseTips } from '../git/phase-tips.js';
import { git, gitTry } from '../git/git.js';
import { openRepo, type PhaseMarker } from '../git/repo.js';
import { INTEGRATION_BRANCH, isReviewer, phaseById, phaseBranch, phasePort, type Plan, type PhaseId } from '../core/plan.js';
import { renderBrief } from '../core/brief.js';
import { installHooks, prepareWorktreeHooks } from '../hooks/install.js';
import { hooksFolderProblems, worktreeHookProblems } from '../hooks/health.js';
import { loadPlanContext } from '../worktrees/plan-context.js';
import { checkedOutBranches, linkedGitDir, pathState, phaseWorktreeMap, worktreePathFor } from '../worktrees/layout.js';
import { decideStart, type StartStep } from '../worktrees/start-steps.js';
import { createPhaseWorktree, markWorktree, rollbackWorktree, type CreatedWorktree } from '../worktrees/create.js';
import { copyPlanFiles } from '../worktrees/copy-files.js';
import { ensureParallelExcluded } from '../worktrees/exclude.js';
import { gatherBriefData } from '../worktrees/brief-data.js';
import { readPhaseStates, recordEvents } from '../worktrees/events.js';
import { BRIEF_FILE } from '../worktrees/scratch-dir.js';
import { runSetup } from '../worktrees/setup.js';
import { prunedPhases } from '../worktrees/branch-delete.js';
import { shellQuote } from '../worktrees/run-command.js';
import { agentLines } from './agents.js';

function trapInterrupts(): { readonly interrupted: boolean; release(): void } {
  const state = { interrupted: false };
  const on = () => { state.interrupted = true; };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    get interrupted() { return state.interrupted; },
    release() { process.off('SIGINT', on); process.off('SIGTERM', on); },
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

export async function run(input: CommandInput): Promise<CommandResult> {
  const ctx = openRepo(input.cwd);
  if (ctx.marker) {
    throw refused(`parallel: start is the coordinator's command, and this is the worktree of phase ${ctx.marker.phase}. Run it from the main worktree: cd ${shellQuote(ctx.mainWorktree)} && parallel start ...`);
  }
  const o = parseOptions(input);
  const { base, plan } = await loadPlanContext(input.cwd, ctx);
  const requested = requestedPhases(plan, o);
  const cwd = ctx.toplevel;

  // Facts.
  const read = readPhaseTips(cwd, { base });
  const baseTip = read.base;
  const integrationTip = read.integration ?? undefined;
  const tips = read.phases;
  if (!baseTip) throw usageError(`parallel: the base branch "${base}" does not exist. Create it, or record another base with "git config parallel.base <branch>".`);
  const worktrees = phaseWorktreeMap(ctx.commonDir);
  const { whereIs } = checkedOutBranches(cwd);
  let statesRead: Promise<Awaited<ReturnType<typeof readPhaseStates>>> | undefined;
  const readStates = () => (statesRead ??= readPhaseStates(ctx, plan));
  const needIds = [...new Set(requested.flatMap((id) => phaseById(plan, id)!.needs))];
  const integrated = new Set<PhaseId>();
  if (needIds.length) {
    // The same rule as status and integrate (src/worktrees/delivered.ts): done, and in by refs.
    const states = await readStates();
    for (const id of needIds) if (states.get(id)?.state === 'integrated') integrated.add(id);
    for (const id of prunedPhases(ctx.commonDir, needIds.filter((n) => !tips.has(n)))) integrated.add(id);
  }
  const wantStates = o.ready || requested.some((id) => isReviewer(phaseById(plan, id)!))
    || (o.session !== undefined && requested.some((id) => worktrees.get(id) && !worktrees.get(id)!.missing && worktrees.get(id)!.marker.session !== o.session));
  const states = wantStates ? await readStates() : undefined;
  const paths = new Map(requested.map((id) => {
    const path = worktreePathFor(plan, ctx.mainWorktree, id);
    return [id, { path, state: pathState(path) }] as const;
  }));
  const decision = decideStart({
    plan, requested, readyMode: o.ready, session: o.session,
    worktrees: new Map([...worktrees].map(([id, w]) => [id, { path: w.path, missing: w.missing, session: w.marker.session }])),
    tips, checkedOut: whereIs, integrated, states, paths,
  });
  if (decision.refusals.length) {
    const lines = decision.refusals.map((r) => `  ${r.phase}: ${r.reason}`);
    const none = requested.length > 1 ? ' Nothing was started (with several phases, one refusal stops all).' : '';
    throw refused(`parallel: cannot start ${decision.refusals.map((r) => r.phase).join(', ')}:\n${lines.join('\n')}\n${none.trim() || 'Nothing was changed.'}`);
  }

  // Changes.
  const trap = trapInterrupts();
  try {
    return await execute(input, { ctx, base, plan, baseTip, integrationTip, tips, steps: decision.steps, waiting: decision.waiting, meta: o.meta, trap });
  } finally {
    trap.release();
  }
}

interface ExecContext {
  ctx: ReturnType<typeof openRepo>;
  base: string;
  plan: Plan;
  baseTip: string;
  integrationTip?: string;
  tips: Map<PhaseId, string>;
  steps: StartStep[];
  waiting: { phase: PhaseId; reason: string }[];
  meta: Record<string, string>;
  trap: { readonly interrupted: boolean };
}

async function execute(input: CommandInput, x: ExecContext): Promise<CommandResult> {
  const { ctx, plan, base } = x;
  const cwd = ctx.toplevel;
  const io = input.io;
  const out: string[] = [];
  const changing = x.steps.filter((s) => s.kind !== 'already');
  // An already started phase whose hooks are missing or unreachable (a start killed half-way, a
  // hooks folder deleted or left pointing at a moved install) is repaired, and says so.
  const broken = new Set<PhaseId>();
  if (!changing.length && x.steps.length) {
    const folder = hooksFolderProblems(ctx).length > 0;
    const unreached = new Set(worktreeHookProblems(ctx).map((p) => p.phase));
    for (const st of x.steps) if (folder || unreached.has(st.phase)) broken.add(st.phase);
  }
  if (changing.length || broken.size) {
    ensureParallelExcluded(ctx.commonDir);
    for (const line of (await installHooks(ctx)).lines) io.err(line);
  }

  // Where new branches start: base, or for a phase with needs the integration branch when it has
  // merges base does not have yet.
  let integrationAhead: boolean | undefined;
  const startPointFor = (id: PhaseId): { oid: string; from: string } => {
    const phase = phaseById(plan, id)!;
    if (phase.needs.length && x.integrationTip && x.integrationTip !== x.baseTip) {
      integrationAhead ??= git(['merge-base', '--is-ancestor', x.integrationTip, x.baseTip], { cwd, okCodes: [0, 1] }).exitCode === 1;
      if (integrationAhead) return { oid: x.integrationTip, from: INTEGRATION_BRANCH };
    }
    return { oid: x.baseTip, from: base };
  };

  const markerFor = (phase: PhaseId, session: string): PhaseMarker => ({
    phase, session, workspace: plan.name, ...(isReviewer(phaseById(plan, phase)!) ? { reviewer: true } : {}),
  });
  const briefFor = async (phase: PhaseId, session: string, reviewedTip?: string) =>
    renderBrief(await gatherBriefData(ctx, plan, base, { phase: phaseById(plan, phase)!, session, ...(reviewedTip ? { reviewedTip } : {}) }));

  const created: CreatedWorktree[] = [];
  const started: { step: StartStep; path: string; from?: string; fresh: boolean }[] = [];
  const copyReports: string[] = [];
  try {
    for (const step of x.steps) {
      if (x.trap.interrupted) throw refused('parallel: start was interrupted.');
      if (step.kind === 'create') {
        const sp = step.branch === 'new' ? startPointFor(step.phase) : undefined;
        const brief = await briefFor(step.phase, step.session, step.tip);
        const c = await createPhaseWorktree(ctx, {
          marker: markerFor(step.phase, step.session), path: step.path, branch: step.branch,
          startPoint: step.branch === 'detached' ? step.tip : sp?.oid,
          ...(step.staleEntry ? { staleEntry: step.staleEntry } : {}),
        }, brief, async (path) => {
          const rep = await copyPlanFiles(plan.copy, ctx.mainWorktree, path);
          if (rep.missing.length) copyReports.push(`parallel: ${step.phase}: nothing to copy for ${rep.missing.map((m) => `"${m}"`).join(', ')} (not in the main worktree)`);
        });
        created.push(c);
        started.push({ step, path: step.path, from: step.branch === 'new' ? sp!.from : step.branch === 'existing' ? phaseBranch(step.phase) : step.tip!.slice(0, 12), fresh: true });
      } else if (step.kind === 'adopt') {
        const gitDir = linkedGitDir(step.path)!;
        const marker = markerFor(step.phase, step.session);
        prepareWorktreeHooks(ctx, gitDir, marker.reviewer === true); // before the marker makes it a phase (as in createPhaseWorktree)
        markWorktree(gitDir, step.path, marker, await briefFor(step.phase, step.session));
        await copyPlanFiles(plan.copy, ctx.mainWorktree, step.path); // never overwrites what is there
        started.push({ step, path: step.path, fresh: true });
      } else if (step.kind === 'relay') {
        const gitDir = linkedGitDir(step.path)!;
        const marker = markerFor(step.phase, step.to);
        const reviewedTip = marker.reviewer ? gitTry(['rev-parse', 'HEAD'], { cwd: step.path }) ?? undefined : undefined;
        markWorktree(gitDir, step.path, marker, await briefFor(step.phase, step.to, reviewedTip));
        started.push({ step, path: step.path, fresh: false });
      }
      await tick(); // let a Ctrl-C be noticed between phases
    }
    if (x.trap.interrupted) throw refused('parallel: start was interrupted.');
  } catch (e) {
    // All or nothing: take back the worktrees this run made before the failure.
    const problems = created.flatMap((c) => rollbackWorktree(cwd, c));
    if (created.length) {
      const msg = (e as Error).message.replace(/ Fix the cause.*$/, '');
      const what = `${msg} The ${created.length} worktree${created.length === 1 ? '' : 's'} made before it (${created.map((c) => c.phase).join(', ')}) ${problems.length ? `could not all be removed: ${problems.join('; ')}` : 'were removed again'}; nothing was started. Fix the cause and run "parallel start" again.`;
      throw refused(what, 'git');
    }
    throw e;
  }
  for (const line of copyReports) io.err(line);

  // Events, in one write (the worktrees are in place whatever happens here).
  try {
    await recordEvents(ctx, started.map((s) => {
      const st = s.step;
      return {
        type: 'start' as const, workspace: plan.name, phase: st.phase,
        session: st.kind === 'relay' ? st.to : (st as { session: string }).session,
        ...(Object.keys(x.meta).length ? { metadata: x.meta } : {}),
        worktree: s.path,
        ...(isReviewer(phaseById(plan, st.phase)!) ? { reviewer: true } : { branch: phaseBranch(st.phase) }),
        ...(st.kind === 'relay' ? { relay_from: st.from } : {}),
      };
    }));
  } catch (e) {
    const ids = started.map((s) => s.step.phase);
    io.err(`parallel: the start event${ids.length === 1 ? '' : 's'} of ${ids.join(', ')} could not be recorded (${(e as Error).message}). The worktrees are ready; a heartbeat from each ("parallel heartbeat --phase <id>") shows it as running.`);
  }

  // Report what was done before the (possibly long) setup.
  for (const s of started) {
    const st = s.step;
    const phase = phaseById(plan, st.phase)!;
    const port = phasePort(plan, phase);
    const portText = port !== undefined ? `, PORT ${port}` : '';
    if (st.kind === 'relay') {
      out.push(`handed ${st.phase} from session ${st.from} to ${st.to} at ${s.path}`);
    } else {
      const what = isReviewer(phase) ? `detached at ${s.from} (reviews ${phase.reviews})` : st.kind === 'adopt' ? `branch ${phaseBranch(st.phase)}` : `branch ${phaseBranch(st.phase)} from ${s.from}`;
      out.push(`started ${st.phase}: ${s.path} (${what}, session ${(st as { session: string }).session}${portText})`);
    }
    out.push(`  brief: ${join(s.path, BRIEF_FILE)}`);
    out.push(...agentLines(ctx.commonDir, s.path, plan.agents));
  }
  for (const st of x.steps) {
    if (st.kind === 'already') {
      out.push(`${st.phase} is already started at ${st.path} (session ${st.session}); ${broken.has(st.phase) ? "its hooks were missing or unreachable and now run parallel's checks again" : 'nothing changed'}.`);
    }
  }
  if (x.waiting.length) {
    out.push(started.length ? 'not started:' : 'no phase is ready to start:');
    for (const w of x.waiting) out.push(`  ${w.phase}: ${w.reason}`);
  }
  if (out.length) io.out(out.join('\n'));

  // Setup, in order, output streamed to stderr.
  const toSetUp = started.filter((s) => s.fresh && plan.setup.length);
  const setup = await runSetup(plan, toSetUp.map((s) => ({
    phase: s.step.phase,
    session: s.step.kind === 'relay' ? s.step.to : (s.step as { session: string }).session,
    path: s.path,
  })), io, () => x.trap.interrupted);
  return { exitCode: setup.ok ? 0 : 1, text: '' };
}
