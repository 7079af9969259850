/**
 * The plan's glob grammar (SPEC "Globs"): a subset that git pathspecs and our matcher agree on,
 * and one parser for it. Both back-ends are built from the same tokens: the path matcher
 * (`ownership.ts`, a RegExp) and the overlap decision (`overlap.ts`, an automaton), so they can
 * never disagree about what a pattern means.
 *
 * Meaning (CODEOWNERS-like): a pattern (or brace alternative) with no glob characters names a file
 * or a whole directory; `dir/` is the directory; `*` and `?` stay inside one path segment and match
 * dotfiles too; `**` as a whole segment crosses segments (zero or more); `[...]` is one character
 * (`!`/`^` negate); `{a,b}` alternates (`{1..3}`, `{a..c}` are ranges).
 */

/** Returns what is wrong with a pattern, or undefined when it is acceptable. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'an empty path pattern matches nothing; remove it or write a path';
  if (pattern.length > MAX_PATTERN_LENGTH) return `a path pattern of ${pattern.length} characters is too long (at most ${MAX_PATTERN_LENGTH}); shorten it`;
  if (pattern.startsWith('/')) return `${q(pattern)} is an absolute path; write it relative to the repository root (e.g. ${q(pattern.replace(/^\/+/, '') || 'src/')})`;
  if (pattern.includes('\\')) return `${q(pattern)} contains a backslash; use forward slashes (POSIX paths)`;
  if (pattern.startsWith('!')) return `${q(pattern)} starts with "!"; negation is not supported, list the path under "exclude:" instead`;
  if (pattern.startsWith('#')) return `${q(pattern)} starts with "#"; a leading "#" is read as a comment by git and other matchers, rename the path`;
  if (pattern.includes('\0')) return `${q(pattern)} contains a NUL character; remove it`;
  if (/[@+!*?]\(/.test(pattern)) return `${q(pattern)} uses an extglob like "@(a|b)"; use braces "{a,b}" instead`;
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '[') {
      const cls = classEnd(pattern, i);
      if (cls === -1) return `${q(pattern)} has an unbalanced "["; close the character class or remove the "["`;
      const body = pattern.slice(i + 1, cls);
      if (body.includes('/')) return `${q(pattern)} has "/" inside "[...]"; a character class matches one character of a name, never "/"`;
      if (body.includes('[:')) return `${q(pattern)} uses a POSIX class like "[[:alpha:]]"; write the characters out (e.g. "[a-zA-Z]")`;
      const ranges = parseClassBody(body.replace(/^[!^]/, ''));
      if (ranges.some(([lo, hi]) => lo > hi)) return `${q(pattern)} has a reversed range in "[...]"; write the lower character first (e.g. "[a-z]")`;
      i = cls;
    } else if (c === '{') depth++;
    else if (c === '}') depth--;
    if (depth < 0) return `${q(pattern)} has an unbalanced "}"`;
  }
  if (depth !== 0) return `${q(pattern)} has an unbalanced "{"`;
  const alternatives = expandBraces(pattern);
  if (alternatives.length > MAX_ALTERNATIVES) return `${q(pattern)} expands to more than ${MAX_ALTERNATIVES} alternatives; use "*" or list fewer`;
  for (const alt of alternatives) {
    const segs = alt.split('/');
    if (segs.some((seg) => seg === '..')) return `${q(pattern)} has a ".." segment; patterns must stay inside the repository`;
    if (segs.some((seg) => seg === '.')) return `${q(pattern)} has a "." segment; write the path without "./"`;
    if (alt.startsWith('/')) return `${q(pattern)} expands to the absolute path ${q(alt)}; write paths relative to the repository root`;
    if (alt === '') return `${q(pattern)} expands to an empty path; remove the empty alternative`;
    if (segs.slice(0, -1).some((seg) => seg === '')) return `${q(pattern)} has an empty path segment ("//"); remove the extra "/"`;
  }
  return undefined;
}

function q(s: string): string {
  return JSON.stringify(s);
}

export const GLOB_CHARS = /[*?[\]{}]/;
const MAX_ALTERNATIVES = 256;
const MAX_PATTERN_LENGTH = 1024;

/** Index of the `]` closing the class opened at `open`, or -1 (`]` right after `[`/`[!` is literal). */
function classEnd(p: string, open: number): number {
  let i = open + 1;
  if (p[i] === '!' || p[i] === '^') i++;
  if (p[i] === ']') i++;
  const close = p.indexOf(']', i);
  return close;
}

/** Code point ranges of a class body (without the leading negation). */
function parseClassBody(body: string): [number, number][] {
  const cps = [...body].map((ch) => ch.codePointAt(0)!);
  const out: [number, number][] = [];
  for (let i = 0; i < cps.length; i++) {
    if (cps[i + 1] === 0x2d /* - */ && i + 2 < cps.length) {
      out.push([cps[i]!, cps[i + 2]!]);
      i += 2;
    } else out.push([cps[i]!, cps[i]!]);
  }
  return out;
}

/**
 * Brace expansion as minimatch (and bash) do it: `{a,b}` alternates and nests, `{1..3}` and
 * `{a..c}` are ranges, a group without a comma or range (`{a}`, `{}`) stays literal.
 */
export function expandBraces(pattern: string): string[] {
  const open = findGroup(pattern);
  if (!open) return [pattern];
  const [start, end, parts] = open;
  const pre = pattern.slice(0, start);
  const post = pattern.slice(end + 1);
  const tails = expandBraces(post);
  const out: string[] = [];
  for (const part of parts) {
    for (const mid of expandBraces(part)) {
      for (const tail of tails) {
        out.push(pre + mid + tail);
        if (out.length > MAX_ALTERNATIVES) return out;
      }
    }
  }
  return out;
}

/** The first expandable `{...}` group: its bounds and alternatives. Literal groups are skipped. */
function findGroup(p: string): [number, number, string[]] | undefined {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '[') {
      const close = classEnd(p, i);
      if (close !== -1) { i = close; continue; }
    }
    if (p[i] !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    let end = -1;
    for (let j = i; j < p.length; j++) {
      if (p[j] === '{') depth++;
      else if (p[j] === '}') {
        depth--;
        if (depth === 0) { end = j; break; }
      } else if (p[j] === ',' && depth === 1) commas.push(j);
    }
    if (end === -1) return undefined;
    const body = p.slice(i + 1, end);
    if (commas.length) {
      const parts: string[] = [];
      let from = i + 1;
      for (const c of commas) { parts.push(p.slice(from, c)); from = c + 1; }
      parts.push(p.slice(from, end));
      return [i, end, parts];
    }
    const range = expandRange(body);
    if (range) return [i, end, range];
    // `{a}` or `{}`: literal; look for a later group inside or after it.
  }
  return undefined;
}

function expandRange(body: string): string[] | undefined {
  const num = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/.exec(body);
  if (num) {
    const [a, b] = [Number(num[1]), Number(num[2])];
    const step = Math.abs(Number(num[3] ?? 1)) || 1;
    const width = /^-?0\d/.test(num[1]!) || /^-?0\d/.test(num[2]!) ? Math.max(num[1]!.length, num[2]!.length) : 0;
    const out: string[] = [];
    for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? step : -step) {
      out.push(width ? (v < 0 ? '-' + String(-v).padStart(width - 1, '0') : String(v).padStart(width, '0')) : String(v));
      if (out.length > MAX_ALTERNATIVES) break;
    }
    return out;
  }
  const chr = /^([a-zA-Z])\.\.([a-zA-Z])(?:\.\.(-?\d+))?$/.exec(body);
  if (chr) {
    const [a, b] = [chr[1]!.charCodeAt(0), chr[2]!.charCodeAt(0)];
    const step = Math.abs(Number(chr[3] ?? 1)) || 1;
    const out: string[] = [];
    for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? step : -step) out.push(String.fromCharCode(v));
    return out;
  }
  return undefined;
}

/**
 * The brace-free globs a plan pattern stands for, with directories spelled out: `src/auth` ->
 * `src/auth`, `src/auth/**`; `src/auth/` -> the same; `{a,b/}` -> `a`, `a/**`, `b`, `b/**`;
 * with wildcards and a trailing slash, only what is below (`src/*` + slash -> `src/*` + `/**`).
 * (A hook can turn these into `:(glob)` pathspecs one for one.)
 */
export function patternGlobs(pattern: string): string[] {
  const out: string[] = [];
  for (const alt of expandBraces(pattern.normalize('NFC'))) {
    // `src/auth/` is the folder itself and everything below it (SPEC), like `src/auth`: a
    // symlink to the folder is its owner's. With wildcards it stays what is below the folders.
    if (alt.endsWith('/')) out.push(...(GLOB_CHARS.test(alt) ? [] : [alt.slice(0, -1)]), `${alt}**`);
    else if (!GLOB_CHARS.test(alt)) out.push(alt, `${alt}/**`);
    else out.push(alt);
  }
  return [...new Set(out)];
}

/** One step of a compiled glob. `lit` may be `/`; every other single-character token excludes `/`. */
export type GlobToken =
  | { t: 'lit'; c: string }
  | { t: 'one' }
  | { t: 'cls'; neg: boolean; ranges: [number, number][] }
  /** any run of characters other than `/` */
  | { t: 'star' }
  /** exactly one character, `/` included */
  | { t: 'any' }
  /** any run of characters, `/` included */
  | { t: 'anyStar' }
  /** nothing, or any run of characters ending in `/` (a `**` segment followed by more) */
  | { t: 'dirs' };

/** Tokens of one brace-free glob (an entry of `patternGlobs`). */
export function tokenizeGlob(glob: string): GlobToken[] {
  const segs = glob.split('/').filter((s, i, all) => !(s === '**' && all[i - 1] === '**'));
  if (segs.every((s) => s === '**')) return [{ t: 'any' }, { t: 'anyStar' }];
  const out: GlobToken[] = [];
  let slashAbsorbed = true;
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    if (seg === '**') {
      if (i === 0) { out.push({ t: 'dirs' }); slashAbsorbed = true; return; }
      out.push({ t: 'lit', c: '/' });
      out.push(last ? { t: 'anyStar' } : { t: 'dirs' });
      slashAbsorbed = true;
      return;
    }
    if (!slashAbsorbed) out.push({ t: 'lit', c: '/' });
    slashAbsorbed = false;
    const chars = [...seg];
    for (let k = 0; k < chars.length; k++) {
      const ch = chars[k]!;
      if (ch === '*') {
        if (out[out.length - 1]?.t !== 'star') out.push({ t: 'star' });
      } else if (ch === '?') out.push({ t: 'one' });
      else if (ch === '[') {
        const rest = chars.slice(k).join('');
        const close = classEnd(rest, 0);
        if (close === -1) { out.push({ t: 'lit', c: ch }); continue; }
        const body = rest.slice(1, close);
        const neg = body[0] === '!' || body[0] === '^';
        out.push({ t: 'cls', neg, ranges: parseClassBody(neg ? body.slice(1) : body) });
        k += [...rest.slice(0, close)].length;
      } else out.push({ t: 'lit', c: ch });
    }
  });
  return out;
}

/** Whether the code point `cp` is matched by a class token (never `/`). */
export function classHas(tok: { neg: boolean; ranges: [number, number][] }, cp: number): boolean {
  if (cp === 0x2f) return false;
  const inside = tok.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
  return tok.neg ? !inside : inside;
}
