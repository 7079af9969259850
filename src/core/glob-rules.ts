/**
 * The plan's glob grammar (SPEC "Globs"): a subset both git pathspecs and our matcher agree on.
 * Returns what is wrong with a pattern, or undefined when it is acceptable.
 */
export function globProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'an empty path pattern matches nothing; remove it or write a path';
  if (pattern.startsWith('/')) return `"${pattern}" is an absolute path; write it relative to the repository root (e.g. "${pattern.replace(/^\/+/, '')}")`;
  if (pattern.includes('\\')) return `"${pattern}" contains a backslash; use forward slashes (POSIX paths)`;
  if (pattern.startsWith('!')) return `"${pattern}" starts with "!"; negation is not supported, list the path under "exclude:" instead`;
  if (pattern.startsWith('#')) return `"${pattern}" starts with "#"; a leading "#" is read as a comment by some matchers, rename or quote the path differently`;
  if (pattern.split('/').some((seg) => seg === '..')) return `"${pattern}" has a ".." segment; patterns must stay inside the repository`;
  if (pattern.split('/').some((seg) => seg === '.')) return `"${pattern}" has a "." segment; write the path without "./"`;
  if (/[@+!*?]\(/.test(pattern)) return `"${pattern}" uses an extglob like "@(a|b)"; use braces "{a,b}" instead`;
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) return `"${pattern}" has an unbalanced "["; close the character class or remove the "["`;
      i = close;
    } else if (c === '{') depth++;
    else if (c === '}') depth--;
    if (depth < 0) return `"${pattern}" has an unbalanced "}"`;
  }
  if (depth !== 0) return `"${pattern}" has an unbalanced "{"`;
  return undefined;
}

export const GLOB_CHARS = /[*?[\]{}]/;
