/**
 * Find the first merge that turns the tests red. The merges form a line (each on top of the
 * previous one); the start is green and the last is red, so a binary search over the line finds
 * the first red one in log2(n) test runs (results already known are not run again).
 */
export async function firstRed(count: number, isGreen: (index: number) => Promise<boolean>): Promise<number> {
  // Invariant: `lo` is green (-1 = the start), `hi` is red.
  let lo = -1;
  let hi = count - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (await isGreen(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}
