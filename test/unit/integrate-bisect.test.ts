import { describe, expect, it } from 'vitest';
import { firstRed } from '../../src/integrate/bisect.js';

describe('firstRed', () => {
  it('finds the first red merge with few test runs', async () => {
    for (let n = 1; n <= 9; n++) {
      for (let red = 0; red < n; red++) {
        const asked: number[] = [];
        const found = await firstRed(n, async (i) => { asked.push(i); return i < red; });
        expect(found).toBe(red);
        expect(asked.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n + 1)));
        expect(asked).not.toContain(n - 1); // the last one is known red
      }
    }
  });
});
