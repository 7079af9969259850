/**
 * doctor's checks of what integrate trusts (src/store/trusted.ts): the integration branch at a
 * commit integrate never recorded; base holding phase work no integrate recorded (a commit with
 * a phase's note, or on a phase branch, that neither a recorded commit nor the trusted tip
 * reaches: `git update-ref refs/heads/main HEAD` from a phase worktree with hooks off, a push);
 * and phase branches renamed away and back (`git branch -m` runs no reference-transaction hook).
 * Base is the user's: commits people make on it carry no phase note and are not flagged.
 */
import { git } from '../git/git.js';
import { resolveBase, type RepoContext } from '../git/repo.js';
import { INTEGRATION_BRANCH, NOTES_REF, phaseBranch } from '../core/plan.js';
import { integrationTrust, readTrusted } from '../store/trusted.js';
import { phaseTips } from '../git/integrated.js';
import { readPhaseReflog, renamedPhaseBranches } from '../git/phase-reflog.js';

export interface Finding {
  message: string;
  fix: string;
}

const short = (c: string) => c.slice(0, 7);
/** At most this many base commits are inspected (a long human history is not phase work). */
const LIMIT = 2000;

function list(cwd: string, input: string): string[] {
  return git(['rev-list', '--ignore-missing', `--max-count=${LIMIT}`, '--stdin'], { cwd, input }).stdout.split('\n').filter(Boolean);
}

export function trustFindings(ctx: RepoContext): { detail: string; problems: Finding[] } {
  const cwd = ctx.toplevel;
  let base: string;
  try {
    base = resolveBase(ctx);
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
  // Base commits that no recorded commit and no trusted tip reach...
  const recorded = [...readTrusted(cwd)];
  const bounds = [...recorded, ...(trust.trusted ? [trust.trusted] : [])].map((c) => `^${c}`);
  const onBase = list(cwd, [`refs/heads/${base}`, ...bounds].join('\n') + '\n');
  if (onBase.length) {
    // ...that are phase work: made on a phase branch since it was created, or noted as a phase's
    // commit by post-commit (also for a --no-verify commit on a detached HEAD).
    const onPhases = new Set<string>();
    for (const [id, tip] of phaseTips(cwd)) {
      const created = readPhaseReflog(ctx.commonDir, id)?.created;
      if (created) for (const c of list(cwd, [tip, `^${created}`, ...bounds].join('\n') + '\n')) onPhases.add(c);
    }
    const notes = git(['log', '--no-walk=unsorted', `--notes=${NOTES_REF}`, '--format=%H%x00%N%x01', '--stdin'], { cwd, input: onBase.join('\n') + '\n' }).stdout;
    const phaseOf = new Map<string, string>();
    for (const entry of notes.split('\x01')) {
      const [oid, note] = entry.replace(/^\n/, '').split('\0');
      const phase = note ? /^phase: (\S+)$/m.exec(note)?.[1] : undefined;
      if (oid && phase && !/^parallel: integrated /m.test(note!)) phaseOf.set(oid, phase);
    }
    const foreign = onBase.filter((c) => onPhases.has(c) || phaseOf.has(c));
    if (foreign.length) {
      const phases = [...new Set(foreign.map((c) => phaseOf.get(c)).filter(Boolean))];
      problems.push({
        message: `${base} holds ${foreign.length} commit${foreign.length === 1 ? '' : 's'} of ${phases.length ? `phase ${phases.join(', ')}` : 'phase branches'} that no integrate recorded (${foreign.slice(0, 5).map(short).join(', ')}): phase work reached ${base} without being merged and tested by "parallel integrate"`,
        fix: `git log --notes=parallel ${base} --not ${INTEGRATION_BRANCH}   (review them; revert what should not have landed, e.g. "git revert <commit>"; phases deliver to ${base} only through "parallel integrate --land")`,
      });
    }
  }
  const detail = !trust.tip ? `${INTEGRATION_BRANCH} not created yet` : trust.strays.length ? `${INTEGRATION_BRANCH} at an unrecorded commit` : `${INTEGRATION_BRANCH} at ${short(trust.tip)} (trusted)`;
  return { detail, problems };
}

export function renameFindings(ctx: RepoContext, ids: readonly string[]): Finding[] {
  return [...renamedPhaseBranches(ctx.commonDir, ids)].map(([id, line]) => ({
    message: `${phaseBranch(id)} was renamed at some point (its reflog: "${line}"); "git branch -m" runs no hook, so commits made under another name were not checked when they were made`,
    fix: `parallel verify ${id}   (integrate verifies it too; if it is clean, nothing else to do)`,
  }));
}
