/** POSIX sh quoting, for the files the shell hooks source and the commands messages print. */

/** Single-quote a string for POSIX sh (a `'` becomes `'\''`). */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The inside of a value `shQuote` wrote (without its outer quotes) back to the string. */
export function shUnquoteInside(inside: string): string {
  return inside.replace(/'\\''/g, "'");
}
