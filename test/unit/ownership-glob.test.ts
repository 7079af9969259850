import { describe, expect, it } from 'vitest';
import { minimatch } from 'minimatch';
import { buildOwnership, compilePatterns, expandPattern } from '../../src/core/ownership.js';
import { expandBraces, globProblem } from '../../src/core/glob-rules.js';

const MM = { dot: true, nonegate: true, nocomment: true, noext: true } as const;

describe('ownership semantics (CODEOWNERS-like)', () => {
  const cases: [string, string, boolean][] = [
    ['src/auth', 'src/auth', true],
    ['src/auth', 'src/auth/login.ts', true],
    ['src/auth', 'src/auth/deep/x.ts', true],
    ['src/auth', 'src/authz/x.ts', false],
    ['src/auth/', 'src/auth/x', true],
    ['src/auth/', 'src/auth', true],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/a/b.ts', false],
    ['src/*', 'src/.env', true],
    ['*', '.gitignore', true],
    ['*', 'a/b', false],
    ['src/**', 'src', false],
    ['src/**', 'src/.hidden/x', true],
    ['**/*.md', 'README.md', true],
    ['**/*.md', 'docs/a/b.md', true],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/**/b', 'a/b', true],
    ['?.ts', 'a.ts', true],
    ['?.ts', 'ab.ts', false],
    ['file[0-9].txt', 'file7.txt', true],
    ['file[!0-9].txt', 'file7.txt', false],
    ['file[^0-9].txt', 'fileX.txt', true],
    ['{src,test}/auth', 'test/auth/x.ts', true],
    ['{src,test}/auth', 'lib/auth/x.ts', false],
    ['v{1..3}.txt', 'v2.txt', true],
    ['v{1..3}.txt', 'v4.txt', false],
    ['{a}', '{a}', true],
    ['src/auth', 'SRC/auth/x', false],
    ['café', 'cafe\u0301/menu.txt', true],
    ['cafe\u0301/', 'café/menu.txt', true],
    ['a.b', 'aXb', false],
    ['a+(b)', 'a+(b)', true],
  ];
  it.each(cases)('%s matches %s: %s', (pattern, path, expected) => {
    expect(compilePatterns([pattern])(path)).toBe(expected);
  });

  it('owns minus exclude, shared, and the plan file belongs to the coordinator', () => {
    const model = buildOwnership({
      shared: ['package.json', '*.yml'],
      phases: [
        { id: 'db', index: 0, task: '', owns: ['src/db/'], exclude: ['src/db/generated/**'], needs: [], criteria: [], checklist: [] },
        { id: 'api', index: 1, task: '', owns: ['src/**'], exclude: ['src/db/**'], needs: [], criteria: [], checklist: [] },
      ],
    });
    expect(model.ownersOf('src/db/schema.sql')).toEqual(['db']);
    expect(model.ownersOf('src/db/generated/x.ts')).toEqual([]);
    expect(model.ownerOf('src/api/x.ts')).toBe('api');
    expect(model.describeOwner('src/db/generated/x.ts')).toBe('nobody');
    expect(model.mayChange('db', 'package.json')).toBe(true);
    expect(model.mayChange('db', 'src/api/x.ts')).toBe(false);
    expect(model.mayChange('api', '.parallel.yml')).toBe(false);
    expect(model.isShared('.parallel.yml')).toBe(false);
    expect(model.describeOwner('.parallel.yml')).toBe('the coordinator');
  });

  it('expands directories and braces into brace-free globs', () => {
    expect(expandPattern('src/auth')).toEqual(['src/auth', 'src/auth/**']);
    // SPEC: src/auth = src/auth/ = the folder itself and everything below it.
    expect(expandPattern('src/auth/')).toEqual(['src/auth', 'src/auth/**']);
    expect(expandPattern('{a,b/}')).toEqual(['a', 'a/**', 'b', 'b/**']);
    expect(expandPattern('src/*/')).toEqual(['src/*/**']);
    expect(expandPattern('src/*.ts')).toEqual(['src/*.ts']);
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('x{}y{a}')).toEqual(['x{}y{a}']);
    expect(expandBraces('{01..03}')).toEqual(['01', '02', '03']);
  });

  it('refuses patterns outside the grammar, saying how to fix them', () => {
    for (const bad of ['../**', '/etc/**', '', '  ', '!src/**', 'src\\a', '#x', 'a/@(b|c)', 'a[b', 'a{b', 'a}b', 'src/../x', './src', '{..,a}/x', 'a//b', '[[:alpha:]]', '[a/b]', '[z-a]', '{1..999}']) {
      expect(globProblem(bad), bad).toBeTypeOf('string');
    }
    for (const good of ['src/', 'src/**', '**', '*.md', '.github/**', 'a/{b,c}/*.ts', 'x[]]y', '{a,}b', 'src/{,x}']) {
      expect(globProblem(good), good).toBeUndefined();
    }
  });
});

// The matcher is our own compiler; minimatch (dot, no extglob) is the reference it must agree with.
describe('agreement with minimatch on random patterns and paths', () => {
  const segs = ['a', 'b', '.a', 'a.b', '*', '?', '**', '[ab]', '[!a]', 'a*', '*b', '{a,b}', '{a,.b}', 'x{a,b}*'];
  const names = ['a', 'b', '.a', 'a.b', 'ab', 'ba', 'xa', 'xbz', 'c', '.b'];
  let seed = 42;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  it('agrees on 3000 pattern/path pairs', () => {
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const pattern = Array.from({ length: 1 + rnd(3) }, () => segs[rnd(segs.length)]).join('/');
      if (globProblem(pattern)) continue;
      const match = compilePatterns([pattern]);
      const mm = expandPattern(pattern);
      for (let j = 0; j < 10; j++) {
        const path = Array.from({ length: 1 + rnd(4) }, () => names[rnd(names.length)]).join('/');
        const expected = mm.some((g) => minimatch(path, g, MM));
        expect(match(path), `${pattern} vs ${path}`).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });
});
