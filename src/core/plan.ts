/**
 * The plan model: `.parallel.yml` after parsing, defaults applied. Pure data; the loader in
 * `src/config/plan-loader.ts` builds it and reports every problem with file:line:col.
 */
import { posix } from 'node:path';

export type PhaseId = string;

export interface ChecklistItem {
  text: string;
  /** Optional command that `parallel done` runs before accepting the phase. */
  verify?: string;
}

export interface Phase {
  id: PhaseId;
  /** Position in declaration order (0-based); PORT = ports.base + index. */
  index: number;
  task: string;
  owns: string[];
  exclude: string[];
  needs: PhaseId[];
  /** Set for a reviewer phase: the phase it reviews. */
  reviews?: PhaseId;
  criteria: string[];
  checklist: ChecklistItem[];
}

export interface Timeouts {
  /** Milliseconds. */
  heartbeat: number;
  session: number;
  test: number;
}

export interface Plan {
  version: 1;
  name: string;
  base?: string;
  test?: string;
  worktrees: string;
  setup: string[];
  copy: string[];
  ports?: { base: number };
  shared: string[];
  timeouts: Timeouts;
  testRetries: number;
  /** Coding agents whose hook settings `start` writes into phase worktrees (`agents:`). */
  agents: PlanAgent[];
  phases: Phase[];
}

/** The agents the plan key `agents:` may name; the default is claude and codex. */
export const PLAN_AGENTS = ['claude', 'codex', 'gemini'] as const;
export type PlanAgent = (typeof PLAN_AGENTS)[number];
export const DEFAULT_AGENTS: readonly PlanAgent[] = ['claude', 'codex'];

export const PLAN_FILE = '.parallel.yml';
export const DEFAULT_WORKTREES = '../{repo}-{phase}';

/** A phase's worktree folder from the `worktrees` template, for the main worktree at `mainWorktree` (absolute). */
export function expandWorktrees(template: string, mainWorktree: string, phase: PhaseId): string {
  const rel = template.split('{repo}').join(posix.basename(mainWorktree)).split('{phase}').join(phase);
  return posix.resolve(mainWorktree, rel);
}

/**
 * Why the template cannot be used with the main worktree at `mainWorktree`: a folder inside the
 * main worktree would show there as untracked (an embedded repository `git add -A` would stage).
 */
export function worktreesProblem(template: string, mainWorktree: string): string | undefined {
  const folder = expandWorktrees(template, mainWorktree, 'PHASE');
  if (folder !== mainWorktree && !folder.startsWith(`${mainWorktree.replace(/\/+$/, '')}/`)) return undefined;
  return `"worktrees: ${template}" puts phase worktrees inside the repository, where they would show as untracked folders and "git add -A" would stage them; use a folder outside it, such as "${DEFAULT_WORKTREES}" (the default)`;
}
export const DEFAULT_TIMEOUTS: Timeouts = { heartbeat: 5 * 60_000, session: 4 * 3_600_000, test: 30 * 60_000 };
export const ID_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;
/** The reserved id: no phase may take it; integrate's scratch worktree takes its place in the `worktrees` template. */
export const INTEGRATION_ID = 'integration';
export const RESERVED_IDS = new Set([INTEGRATION_ID]);

export function phaseById(plan: Plan, id: PhaseId): Phase | undefined {
  return plan.phases.find((p) => p.id === id);
}

export function isReviewer(phase: Phase): boolean {
  return phase.reviews !== undefined;
}

/** The branch a phase is worked on. */
export function phaseBranch(id: PhaseId): string {
  return `parallel/${id}`;
}
export const INTEGRATION_BRANCH = 'parallel/integration';
export const NOTES_REF = 'refs/notes/parallel';

/** The port of a phase, when the plan sets `ports`. */
export function phasePort(plan: Plan, phase: Phase): number | undefined {
  return plan.ports ? plan.ports.base + phase.index : undefined;
}
