/**
 * Which moves of HEAD made a commit, read from HEAD's reflog (plain data in, no git): the note
 * writer notes a commit only where git would have run a post-commit hook for it.
 */

/**
 * Reflog messages of the commands git runs post-commit for (commit, also concluding a cherry-pick:
 * "commit (cherry-pick)"; cherry-pick, revert, a rebase's picks and the commit `rebase --continue` makes).
 */
export const COMMIT_REFLOG = /^(?:commit(?: \([a-z-]+\))?|cherry-pick|revert|[^:\t]*\((?:pick|reword|edit|squash|fixup|continue)\)): /;

/**
 * Whether the newest entry of a reflog (`text`, its last part is enough) that moved to `commit`
 * says a commit was made there. A later entry may follow it already (this writer runs late).
 */
export function madeByCommit(text: string, commit: string): boolean {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [, next] = line.slice(0, tab).split(' ');
    if (next === commit) return COMMIT_REFLOG.test(line.slice(tab + 1));
  }
  return false;
}

