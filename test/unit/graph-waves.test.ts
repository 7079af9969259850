import { describe, expect, it } from 'vitest';
import { ancestors, computeWaves, dependencyOrder, dependents, findCycle, mayRunAtOnce } from '../../src/core/graph.js';

const n = (id: string, needs: string[] = [], reviews?: string) => ({ id, needs, ...(reviews ? { reviews } : {}) });
const spec = [n('schema'), n('auth', ['schema']), n('dashboard', ['schema']), n('review-auth', [], 'auth')];

describe('the dependency graph', () => {
  it('puts a reviewer in the wave after the phase it reviews (SPEC example)', () => {
    expect(computeWaves(spec)).toEqual([['schema'], ['auth', 'dashboard'], ['review-auth']]);
  });
  it('keeps declaration order within a wave and ignores unknown ids', () => {
    expect(computeWaves([n('c', ['a']), n('b'), n('a', ['ghost'])])).toEqual([['b', 'a'], ['c']]);
  });
  it('orders by dependencies with declaration order breaking ties', () => {
    expect(dependencyOrder([n('c', ['a']), n('b'), n('a')])).toEqual(['b', 'a', 'c']);
    expect(dependencyOrder(spec)).toEqual(['schema', 'auth', 'dashboard', 'review-auth']);
  });
  it('finds a cycle of three as a closed path, and none in a DAG', () => {
    expect(findCycle([n('a', ['c']), n('b', ['a']), n('c', ['b'])])).toEqual(['a', 'c', 'b', 'a']);
    expect(findCycle([n('a', ['b']), n('b', [], 'a')])).toEqual(['a', 'b', 'a']);
    expect(findCycle(spec)).toBeUndefined();
    expect(findCycle([n('a', ['a'])])).toEqual(['a', 'a']);
  });
  it('may run at once only when neither reaches the other', () => {
    expect(mayRunAtOnce(spec, 'auth', 'dashboard')).toBe(true);
    expect(mayRunAtOnce(spec, 'schema', 'auth')).toBe(false);
    expect(mayRunAtOnce(spec, 'review-auth', 'schema')).toBe(false);
    expect(mayRunAtOnce(spec, 'review-auth', 'dashboard')).toBe(true);
    expect(mayRunAtOnce(spec, 'auth', 'auth')).toBe(false);
  });
  it('lists ancestors and dependents transitively', () => {
    expect([...ancestors(spec, 'review-auth')].sort()).toEqual(['auth', 'schema']);
    expect([...dependents(spec, 'schema')].sort()).toEqual(['auth', 'dashboard', 'review-auth']);
  });
});
