/**
 * Phase work on base that integrate never tested (pure). Base is the user's: people commit on it
 * in their own worktree, and `integrate --land` fast-forwards it to merges integrate recorded
 * (`integrate/trusted/<commit>`). What must not happen unnoticed is phase work reaching base any
 * other way: `git -c core.hooksPath=/dev/null update-ref refs/heads/main HEAD` from a phase
 * worktree, a hand merge or push of a phase branch. The hooks cannot stop a hook-less write, so
 * verify, doctor and integrate judge what base holds.
 *
 * The rule. A commit of base is *untested phase work* when
 * 1. no trusted record (nor the trusted integration tip) reaches it: `untrusted` below, and
 * 2. it is phase work: it carries a phase's commit note (the note writer writes one for every commit
 *    in a phase worktree, `--no-verify` included; integrate's merge notes do not count), or it is
 *    on a phase branch since that branch was created (its reflog), or a phase worktree's HEAD
 *    reflog says it was made there (a detached HEAD with hooks off leaves no other trace), and
 * 3. base's own reflog does not say a person's git command put it there (a commit, merge, pull,
 *    rebase in the worktree that has base checked out). This keeps people's commits on base out
 *    when a phase picked them up (`parallel update` fast-forwarding, a rebase onto base), and
 *    leaves a coordinator's hand merge of a phase branch to them (SPEC counts it as integrated
 *    once the phase is done). A bare `update-ref` and a push are no such command.
 * Where base should be instead: the newest commit on base's first-parent line whose history
 * holds none of them (`resetTo`; people's commits below the first bad one stay).
 */
import type { PhaseId } from './plan.js';

export interface BaseFacts {
  /** Base's commits that no trusted commit reaches, children before parents (`rev-list --topo-order --parents`). */
  untrusted: readonly { commit: string; parents: readonly string[] }[];
  /** Commit -> phase, from phase commit notes. */
  noted: ReadonlyMap<string, PhaseId>;
  /** Per phase: the commits on its branch since the branch was created. */
  phaseLines: ReadonlyMap<PhaseId, ReadonlySet<string>>;
  /**
   * Commit -> phase, for commits a phase worktree's own HEAD reflog says were made there (a
   * commit, cherry-pick, rebase... also on a detached HEAD with every hook off, which leaves no
   * note and touches no phase branch). Optional: a clone with no such reflogs has none.
   */
  madeInPhaseWorktree?: ReadonlyMap<string, PhaseId>;
  /**
   * Commits base's reflog says a person's git command brought there (a commit, merge, pull,
   * rebase... in the worktree that has base checked out; not a bare `update-ref` or a push).
   */
  movedByPerson: ReadonlySet<string>;
}

export interface UntestedWork {
  /** Untested phase work on base, newest first. */
  commits: { commit: string; phase: PhaseId }[];
  /** The phases it belongs to, in first-seen order. */
  phases: PhaseId[];
  /**
   * The newest commit of base's first-parent line whose history holds none of `commits` (a
   * commit outside `untrusted` is trusted, so clean); null when there are none, or when the
   * line holds them down to its root.
   */
  resetTo: string | null;
}

function phaseOf(f: BaseFacts, commit: string): PhaseId | undefined {
  if (f.movedByPerson.has(commit)) return undefined;
  const noted = f.noted.get(commit);
  if (noted) return noted;
  for (const [id, line] of f.phaseLines) if (line.has(commit)) return id;
  return f.madeInPhaseWorktree?.get(commit);
}

export function untestedPhaseWork(f: BaseFacts): UntestedWork {
  const commits: UntestedWork['commits'] = [];
  for (const { commit } of f.untrusted) {
    const phase = phaseOf(f, commit);
    if (phase) commits.push({ commit, phase });
  }
  if (commits.length === 0) return { commits, phases: [], resetTo: null };
  const phases = [...new Set(commits.map((c) => c.phase))];
  const bad = new Set(commits.map((c) => c.commit));
  const parents = new Map(f.untrusted.map((c) => [c.commit, c.parents]));
  // Parents come after children in topological order: decide from the oldest up.
  const holds = new Map<string, boolean>();
  for (let i = f.untrusted.length - 1; i >= 0; i--) {
    const { commit, parents: ps } = f.untrusted[i]!;
    holds.set(commit, bad.has(commit) || ps.some((p) => holds.get(p) === true));
  }
  let at: string | undefined = f.untrusted[0]?.commit;
  while (at !== undefined && holds.get(at)) at = parents.get(at)?.[0];
  return { commits, phases, resetTo: at ?? null };
}
