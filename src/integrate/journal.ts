/**
 * The integrate journal: one JSON file under `<common dir>/parallel/integrate/` describing the
 * job (pinned base and tips, the order) and how far it got. Rewritten whole after every step
 * (written aside, then renamed over: a `kill -9` leaves the old or the new version, never half),
 * so the next run resumes the same job from the last recorded step.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MergeStep, Skip } from './plan-steps.js';
import type { Person } from './scratch.js';

export type Stage =
  /** merging and testing; the integration branch has not moved */
  | 'merging'
  /** a green head is known; moving the integration branch */
  | 'moving'
  /** the branch moved; writing notes and events */
  | 'recording'
  /** fast-forwarding base (`--land`) */
  | 'landing';

export interface MergedStep extends MergeStep {
  /** The merge commit (always a real merge: --no-ff). */
  commit: string;
  ms: number;
}

export interface TestRecord {
  passed: boolean;
  ms: number;
  log: string;
  attempts: number;
  /** The test moved HEAD (committed, checked out): red whatever its exit code. */
  movedHead?: string;
}

export interface SetupFailure {
  command: string;
  /** Exit code (-1: it could not start). */
  code: number;
  timedOut: boolean;
  log: string;
}

export interface Job {
  version: 1;
  id: string;
  created: string;
  /** Pinned merge commit date (seconds, UTC): a re-done merge gives the same commit id. */
  date: number;
  /** Pinned author and committer of the merges (absent in journals of older builds). */
  identity?: { author: Person; committer: Person };
  base: string;
  baseOid: string;
  /** The integration branch before the job (null: it did not exist). */
  integrationBefore: string | null;
  /** The commit the job builds on: base, or the integration branch when it is ahead of base. */
  from: string;
  /**
   * Base has commits the integration branch lacks and vice versa: the job first merges base
   * into `from` (that merge is tested like any other) and `start` records it.
   */
  bringBase: boolean;
  /** Where the phase merges start (`from`, or the merge of base into it). */
  start?: string;
  planBlob: string;
  test: string | null;
  testRetries: number;
  testTimeoutMs: number;
  each: boolean;
  land: boolean;
  order: string[];
  /** The current session of each phase (events name it). */
  sessions: Record<string, string>;
  already: { id: string; how: 'ancestry' | 'content' }[];
  /** Phases still to merge, in order (pinned tips). */
  queue: MergeStep[];
  /** Merges made so far on top of `start`, in order. */
  chain: MergedStep[];
  skipped: Skip[];
  /** Test results by commit id. */
  tests: Record<string, TestRecord>;
  /** Set when `start` itself is red (base is red: nothing merges, nobody is blamed). */
  baseRed?: boolean;
  /** Set when `setup` failed in the scratch worktree: the tests did not run, nothing merges, nobody is blamed. */
  setupFailed?: SetupFailure;
  stage: Stage;
  /** The commit the integration branch moves (moved) to. */
  head?: string;
  /** Phases whose note and event are written. */
  recorded: string[];
  landed?: boolean;
  /** Numbers the test logs of this job. */
  runs: number;
}

export function journalFile(dir: string): string {
  return join(dir, 'journal.json');
}

export function readJournal(dir: string): Job | undefined {
  let text: string;
  try {
    text = readFileSync(journalFile(dir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const job = JSON.parse(text) as Job;
    return job.version === 1 ? job : undefined;
  } catch {
    return undefined;
  }
}

export function writeJournal(dir: string, job: Job): void {
  const file = journalFile(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(job, null, 1));
  renameSync(tmp, file);
}

/** The job is over: keep its journal as `last-job.json` (for a reader), remove the live one. */
export function closeJournal(dir: string, job: Job): void {
  const file = journalFile(dir);
  writeFileSync(join(dir, 'last-job.json'), JSON.stringify(job, null, 1));
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** The commit the scratch worktree should be at: the last merge, or the start. */
export function chainHead(job: Pick<Job, 'chain' | 'start' | 'from'>): string {
  return job.chain.length ? job.chain[job.chain.length - 1]!.commit : job.start ?? job.from;
}
