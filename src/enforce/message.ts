/**
 * What a refused commit says (pure). One paragraph per path: the path, who owns it, what to do.
 *   parallel: auth may not change src/ui/button.ts (owned by dashboard). Unstage it (git restore
 *   --staged src/ui/button.ts), or ask the coordinator to move it to auth in .parallel.yml.
 */
import { PLAN_FILE, type PhaseId } from '../core/plan.js';
import type { Finding } from './judge.js';
import { shQuote } from '../core/shell-quote.js';

/** Quote a path for a shell command line only when it needs it. */
export function shellArg(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) && !s.startsWith('-')) return s;
  return shQuote(s);
}

/** The path argument of a git command line: after `--` when git would read it as an option. */
export function pathArg(s: string): string {
  return s.startsWith('-') ? `-- ${shellArg(s)}` : shellArg(s);
}

/** A path as it reads in a message: plain when it is, else JSON-quoted (spaces, newlines, quotes). */
export function showPath(s: string): string {
  return /^[\x21-\x7e\u00a0-\uffff]+$/u.test(s) && !/["'\\]/.test(s) ? s : JSON.stringify(s);
}

function ownedBy(owner: string): string {
  return owner === 'nobody' ? 'owned by nobody' : `owned by ${owner}`;
}

/** The refusal for one finding in a pending commit (pre-commit / pre-merge-commit). */
export function stagedRefusal(phase: PhaseId, f: Finding): string {
  const unstage = `git restore --staged ${pathArg(f.path)}`;
  switch (f.kind) {
    case 'plan':
      return `parallel: ${phase} may not change ${PLAN_FILE} (owned by the coordinator). Unstage it (${unstage}); the plan is changed by the coordinator on base, never in a phase.`;
    case 'symlink': {
      const where = f.resolved === undefined ? 'which leads outside the repository' : `which leads to ${showPath(f.resolved)} (${ownedBy(f.owner)})`;
      return `parallel: ${phase} may not add the symlink ${showPath(f.path)} -> ${showPath(f.target ?? '?')}, ${where}; a phase's symlinks must stay inside its own area. Unstage it (${unstage}), or point it inside ${phase}'s paths.`;
    }
    case 'submodule':
      return `parallel: ${phase} may not change the submodule ${showPath(f.path)} (${ownedBy(f.owner)}). Unstage it (${unstage}), or ask the coordinator to move it to ${phase} in ${PLAN_FILE}.`;
    default:
      return `parallel: ${phase} may not change ${showPath(f.path)} (${ownedBy(f.owner)}). Unstage it (${unstage}), or ask the coordinator to move it to ${phase} in ${PLAN_FILE}.`;
  }
}

/** Findings in a merge's own resolution (what it changes beyond git's automatic merge). */
export function mergeRefusal(phase: PhaseId, f: Finding): string {
  if (f.kind === 'symlink' || f.kind === 'plan') return stagedRefusal(phase, f);
  return `parallel: while merging, ${phase} may not change ${showPath(f.path)} (${ownedBy(f.owner)}) beyond git's automatic merge. Take git's merged version back (git checkout -m -- ${shellArg(f.path)} to redo the conflict, then resolve it without editing that file), or ask the coordinator to move it to ${phase} in ${PLAN_FILE}.`;
}

/** A merged-in commit of another phase (not reachable from base or the integration branch). */
export function foreignCommitRefusal(phase: PhaseId, commit: string, findings: readonly Finding[]): string {
  const paths = findings.slice(0, 3).map((f) => `${showPath(f.path)} (${ownedBy(f.owner)})`).join(', ');
  const more = findings.length > 3 ? ` and ${findings.length - 3} more` : '';
  return `parallel: this merge brings commit ${commit.slice(0, 12)} into ${phase}, and it changes ${paths}${more}, which ${phase} may not change. Abort it (git merge --abort); take other phases' work only once it is integrated, with "parallel update".`;
}

/** A branch update refused by the reference-transaction hook (e.g. a `--no-verify` commit). */
export function updateRefusal(phase: PhaseId, commit: string, f: Finding): string {
  const what = f.kind === 'symlink'
    ? `adds the symlink ${showPath(f.path)} -> ${showPath(f.target ?? '?')}, which leads ${f.resolved === undefined ? 'outside the repository' : `to ${showPath(f.resolved)} (${ownedBy(f.owner)})`}`
    : `changes ${showPath(f.path)} (${f.kind === 'plan' ? 'owned by the coordinator' : ownedBy(f.owner)})`;
  return `parallel: refusing to move parallel/${phase}: commit ${commit.slice(0, 12)} ${what}, which ${phase} may not change. Leave that path out of the commit (git restore --staged ${pathArg(f.path)}, then commit again), or ask the coordinator to move it to ${phase} in ${PLAN_FILE}.`;
}

export const REFUSED_FOOTER = 'parallel: the commit was refused; nothing was unstaged. Set PARALLEL=0 only to skip this check on purpose (parallel verify and integrate still check every commit).';
