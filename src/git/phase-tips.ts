/**
 * The one reader of phase branch tips: `refs/heads/parallel/*` (and, on request, base and the
 * remote-tracking `parallel/*` branches other clones pushed), in a single `git for-each-ref`.
 */
import { git, gitAsync } from './git.js';
import { INTEGRATION_BRANCH, type PhaseId } from '../core/plan.js';

export interface PhaseTipsOptions {
  /** Also read the tip of this base branch (`refs/heads/<base>`). */
  base?: string;
  /**
   * Also read `refs/remotes/<remote>/parallel/<id>`: a phase with no local branch takes the tip
   * of the first remote-tracking branch listed (phases worked in another clone, seen through
   * `parallel sync`).
   */
  remotes?: boolean;
}

export interface PhaseTips {
  /** Phase id -> tip oid, in git's ref order (by name); never the integration branch. */
  phases: Map<PhaseId, string>;
  /** The phases of `phases` that have a local branch (`refs/heads/parallel/<id>`). */
  local: Set<PhaseId>;
  /** Tip of the integration branch, or null when it does not exist. */
  integration: string | null;
  /** Tip of `opts.base`, or null when it was not asked for or does not exist. */
  base: string | null;
  /** With `remotes`: the first remote-tracking integration branch (what `sync` fetched), or null. */
  remoteIntegration: string | null;
}

const LOCAL = 'refs/heads/parallel/';
const REMOTE = /^refs\/remotes\/[^/]+\/parallel\/(.+)$/;

function args(opts: PhaseTipsOptions): string[] {
  const a = ['for-each-ref', '--format=%(objectname) %(refname)', LOCAL];
  if (opts.base !== undefined) a.push(`refs/heads/${opts.base}`);
  if (opts.remotes) a.push('refs/remotes/*/parallel/*');
  return a;
}

function parse(out: string, opts: PhaseTipsOptions): PhaseTips {
  const baseRef = opts.base === undefined ? null : `refs/heads/${opts.base}`;
  const integrationRef = `refs/heads/${INTEGRATION_BRANCH}`;
  const phases = new Map<PhaseId, string>();
  const remote = new Map<PhaseId, string>();
  let base: string | null = null;
  let integration: string | null = null;
  let remoteIntegration: string | null = null;
  for (const line of out.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const oid = line.slice(0, sp);
    const ref = line.slice(sp + 1);
    if (ref === baseRef) base = oid;
    else if (ref === integrationRef) integration = oid;
    else if (ref.startsWith(LOCAL)) phases.set(ref.slice(LOCAL.length), oid);
    else if (opts.remotes) {
      const m = REMOTE.exec(ref);
      if (m && `parallel/${m[1]}` === INTEGRATION_BRANCH) remoteIntegration ??= oid;
      else if (m && !remote.has(m[1]!)) remote.set(m[1]!, oid);
    }
  }
  const local = new Set(phases.keys());
  for (const [id, oid] of remote) if (!phases.has(id)) phases.set(id, oid);
  return { phases, local, integration, base, remoteIntegration };
}

/** Phase tips (and the integration branch, base, remote-tracking branches as asked): one git call. */
export function readPhaseTips(cwd: string, opts: PhaseTipsOptions = {}): PhaseTips {
  return parse(git(args(opts), { cwd }).stdout, opts);
}

/** `readPhaseTips` without blocking (one git call), for commands that do other work meanwhile. */
export async function readPhaseTipsAsync(cwd: string, opts: PhaseTipsOptions = {}): Promise<PhaseTips> {
  return parse((await gitAsync(args(opts), { cwd })).stdout, opts);
}
