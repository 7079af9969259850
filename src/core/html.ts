/** Escaping for HTML and SVG text and attribute values (pure). Everything from events and commits goes through it. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A class-name-safe token from any state or reason string (`timed_out` stays, `a b<` -> `a-b-`). */
export function token(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '-');
}
