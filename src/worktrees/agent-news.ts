/**
 * What is new for a phase since its agent last saw the store, as plain facts for the agent's
 * context on its next prompt: decisions, review verdicts on the phase, and integrate's verdict
 * on it (with the fix when it was skipped).
 */
import type { RepoContext } from '../git/repo.js';
import { readEvents } from '../store/store.js';

export function newsFor(ctx: RepoContext, phase: string, since: string): { text: string; newest?: string } {
  const events = readEvents(ctx).filter((e) => e.at > since);
  const lines: string[] = [];
  for (const e of events) {
    if (e.type === 'decision') lines.push(`- Decision by the coordinator (${e.at}): ${e.message ?? ''}`);
    else if (e.type === 'review' && e.reviews === phase) lines.push(`- Review of phase ${phase} by ${e.phase}: ${String(e.verdict)} at ${String(e.tip ?? '').slice(0, 7)}: ${e.message ?? ''}`);
    else if (e.type === 'integrate' && e.phase === phase) {
      lines.push(e.result === 'skipped'
        ? `- parallel integrate did not integrate phase ${phase} (${String(e.reason)}): ${e.message ?? ''}. The fix is in this worktree: "parallel update" brings in the integration branch, then resolve, commit and run "parallel done" again.`
        : `- parallel integrate: phase ${phase} ${e.message ?? 'was integrated'}.`);
    }
  }
  const newest = events.length ? events[events.length - 1]!.at : undefined;
  return { text: lines.length ? `News for phase ${phase} from parallel since the last prompt:\n${lines.join('\n')}\n` : '', ...(newest ? { newest } : {}) };
}
