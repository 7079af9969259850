/** `check`'s unowned count (folder-level shortcut included) agrees with the ownership model path by path. */
import { describe, expect, it } from 'vitest';
import { unowned } from '../../src/workflows/check.js';
import { buildOwnership } from '../../src/core/ownership.js';
import type { Phase } from '../../src/core/plan.js';

const phase = (id: string, owns: string[], exclude: string[] = []): Phase =>
  ({ id, index: 0, task: '', owns, exclude, needs: [], criteria: [], checklist: [] });

function reference(phases: Phase[], shared: string[], files: string[]): number {
  const model = buildOwnership({ phases, shared });
  return files.filter((f) => f !== '.parallel.yml' && !model.isShared(f) && model.ownersOf(f).length === 0).length;
}

const dirs = ['src', 'src/a', 'src/a/b', 'src/ab', 'lib', 'lib/x', 'docs', '.github/workflows', ''];
const names = ['index.ts', 'a', 'b.md', '.env', 'x'];
const files = [...new Set(dirs.flatMap((d) => names.map((n) => (d ? `${d}/${n}` : n))).concat(['src/a', 'lib', '.parallel.yml']))].sort();

describe('unowned files', () => {
  const plans: [string, Phase[], string[]][] = [
    ['folders only (folder shortcut)', [phase('p', ['src/']), phase('q', ['lib/', 'docs'], ['lib/x/**'])], ['.github/']],
    ['plain names that are files', [phase('p', ['src/a', 'src/ab/x']), phase('q', ['b.md', 'lib'])], ['.env']],
    ['globs inside folders', [phase('p', ['src/*/b/**', '**/workflows/**']), phase('q', ['src/**'], ['src/a/**'])], []],
    ['globs on names (no shortcut)', [phase('p', ['**/*.md', 'src/*']), phase('q', ['*'])], ['**/.env']],
    ['excludes that leave files to nobody', [phase('p', ['**'], ['src/**', '*.md'])], ['docs/**']],
  ];
  it.each(plans)('%s', (_, phases, shared) => {
    const expected = reference(phases, shared, files);
    const got = unowned({ phases, shared }, files);
    expect(got.count).toBe(expected);
    const model = buildOwnership({ phases, shared });
    for (const f of got.examples) expect(model.ownersOf(f), f).toEqual([]);
  });
});
