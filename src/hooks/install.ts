/**
 * Hook installation (ownership enforcement). Called by `parallel init` and repaired by
 * `parallel start`. Returns what it did, one line per action, for the caller to print.
 */
import type { RepoContext } from '../git/repo.js';

export interface HookInstallReport {
  lines: string[];
}

export async function installHooks(_ctx: RepoContext): Promise<HookInstallReport> {
  return { lines: [] };
}
