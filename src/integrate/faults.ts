/**
 * Fault injection for the crash-safety tests: with `PARALLEL_TEST_KILL_AT=N`, integrate (or
 * start, between a new worktree's hooks and its marker) kills itself (SIGKILL, no cleanup, like a power cut for the process) at the Nth step boundary it
 * reaches. `PARALLEL_TEST_KILL_AT=list` prints each point's name to stderr instead, to count them.
 */
let reached = 0;
const at = process.env.PARALLEL_TEST_KILL_AT;

export function faultPoint(name: string): void {
  if (!at) return;
  reached += 1;
  if (at === 'list') {
    process.stderr.write(`fault point ${reached}: ${name}\n`);
    return;
  }
  if (Number(at) === reached) process.kill(process.pid, 'SIGKILL');
}
