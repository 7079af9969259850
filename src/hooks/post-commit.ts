#!/usr/bin/env node
/**
 * The commit note writer. The hooks' `committed` reference-transaction starts it detached in the
 * background, as `node dist/hooks/post-commit.js <commit-oid> [--if-commit]` with cwd = the
 * worktree, when a transaction in a phase worktree moved HEAD (git runs no post-commit hook of
 * ours: one hook less per commit). It writes the commit's note (phase, session, the session's last
 * progress message) and a `commit` event (a heartbeat) in one compare-and-swap write. It never
 * fails the commit: problems go to `<common dir>/parallel/post-commit.log`.
 *
 * Without `--if-commit` the git process's own pre-commit vouched that this was `git commit`. With
 * it, HEAD may have moved any way (reset, checkout, merge, rebase): the commit is noted only when
 * HEAD's reflog says a commit was made there, as git runs post-commit for: `git commit` (also
 * `--no-verify`), and each commit cherry-pick, revert and rebase make (`madeByCommit`).
 */
import { appendFileSync, closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { gitTry } from '../git/git.js';
import { openRepo, stateDir } from '../git/repo.js';
import { writeStore, completeEvent } from '../store/store.js';
import { madeByCommit } from '../core/commit-reflog.js';

export function commitNote(phase: string, session: string, message: string | undefined): string {
  return `phase: ${phase}\nsession: ${session}\n${message ? `message: ${message.replace(/\s+/g, ' ').trim()}\n` : ''}`;
}

/**
 * When a commit event happened: the commit's committer date (git keeps seconds), not when this
 * background writer got to run (a slow or retried writer would list commits out of order). The
 * milliseconds come from this process's start, which the hook spawns right after the commit,
 * when that falls in the same second: commits made within one second keep their order. Anyone
 * can set a commit's date (GIT_COMMITTER_DATE=2030-01-01), so it never counts later than now:
 * a date in the future would keep the phase from ever going stale. Nor much earlier: git stamps
 * a new commit with the current time and starts this writer right after it, so a date more than
 * `PAST_SLACK_MS` before this process started was set by hand (GIT_COMMITTER_DATE=2001-01-01),
 * and taking it would hide the commit as a heartbeat and list it before the session's start.
 */
export const PAST_SLACK_MS = 10_000;

export function commitEventTime(committerDate: string, startedMs: number): string {
  const second = Date.parse(committerDate);
  if (!Number.isFinite(second) || second > startedMs || second + 1000 < startedMs - PAST_SLACK_MS) return new Date(startedMs).toISOString();
  return new Date(startedMs >= second && startedMs < second + 1000 ? startedMs : second + 999).toISOString();
}

/** The last `max` bytes of a file ('' when it cannot be read). */
export function fileTail(file: string, max = 64 * 1024): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, max));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function main(): Promise<void> {
  const ctx = openRepo(process.cwd());
  const marker = ctx.marker;
  if (!marker) return;
  try {
    const arg = process.argv[2];
    if (process.argv.includes('--if-commit') && !(arg && madeByCommit(fileTail(join(ctx.gitDir, 'logs', 'HEAD')), arg))) return;
    const out = gitTry(['log', '-1', '--no-walk', '--format=%H%n%cI%n%s', `${arg && /^[0-9a-f]{4,64}$/.test(arg) ? arg : 'HEAD'}`, '--'], { cwd: ctx.toplevel });
    if (!out) return;
    const [commit, committed = '', subject = ''] = out.split('\n');
    const at = commitEventTime(committed, Math.floor(performance.timeOrigin));
    const event = completeEvent(ctx, { type: 'commit', at, workspace: marker.workspace, phase: marker.phase, session: marker.session, commit: commit!, message: subject });
    // One CAS write: the event, and the note naming the session's last progress message.
    await writeStore(ctx, { events: [event], notes: [{ commit: commit!, text: (rec) => commitNote(marker.phase, marker.session, rec?.message) }] });
  } catch (e) {
    try {
      appendFileSync(join(stateDir(ctx), 'post-commit.log'), `${new Date().toISOString()} ${(e as Error).message}\n`);
    } catch {
      // nowhere left to report; the commit itself is unaffected
    }
  }
}

main().catch(() => {
  process.exitCode = 0;
});
