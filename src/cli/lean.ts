/**
 * The lean bundle (scripts/build.mjs) carries only what the commands that run all day need
 * (`parallel heartbeat` and the like). A module it left out is a stub that throws LEFT_OUT when
 * loaded; main then runs the command again in the full bundle, which the launcher left a way to
 * load. The lean commands reach a left-out module only in their first step, reading the plan
 * (src/workflows/session-report.ts), before they read input, write or print, so starting over
 * repeats nothing. PARALLEL_DEBUG runs the full bundle only.
 */
const LEFT_OUT = 'PARALLEL_LEFT_OUT';

/** Set by the launcher (scripts/build.mjs) when it runs the lean bundle. */
const FULL_BUNDLE = Symbol.for('parallel.fullBundle');

/** What a left-out module does when loaded (the stubs scripts/build.mjs writes call it). */
export function leftOut(path: string): never {
  throw Object.assign(new Error(`${path} is not in the lean bundle`), { code: LEFT_OUT });
}

/** For a LEFT_OUT error in the lean bundle: a function that runs the command in the full bundle. */
export function fullBundleRun(e: unknown): (() => void) | undefined {
  if ((e as { code?: unknown } | null)?.code !== LEFT_OUT) return undefined;
  const full = (globalThis as Record<symbol, unknown>)[FULL_BUNDLE];
  if (typeof full !== 'function') return undefined;
  // Once: the full bundle must not find its way back here.
  delete (globalThis as Record<symbol, unknown>)[FULL_BUNDLE];
  return full as () => void;
}
