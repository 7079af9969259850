/**
 * The lean bundle of the session's reports: docs/ARCHITECTURE.md ("The session's reports run a
 * lean bundle") says what it is and why starting over in the full bundle repeats nothing.
 * scripts/build.mjs reads FULL_BUNDLE_KEY from here at build time.
 */

/** The launcher's way to the full bundle, set when it runs the lean one. */
export const FULL_BUNDLE_KEY = 'parallel.fullBundle';

const LEFT_OUT = 'PARALLEL_LEFT_OUT';
const START_OVER = 'PARALLEL_START_OVER';

/**
 * What a module the lean bundle left out does when loaded (the stubs scripts/build.mjs writes
 * call it). Reached anywhere but through startOverIfLeftOut, it is our bug: an internal error.
 */
export function leftOut(path: string): never {
  throw Object.assign(new Error(`${path} is not in the lean bundle`), { code: LEFT_OUT });
}

/**
 * Load a module where a command may start over in the full bundle: only where nothing has been
 * read, written or printed yet (planFor, the first step of a session's report).
 */
export async function startOverIfLeftOut<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === LEFT_OUT) throw Object.assign(new Error((e as Error).message), { code: START_OVER });
    throw e;
  }
}

/** For the error startOverIfLeftOut threw in the lean bundle: the function that runs the command in the full bundle, once. */
export function fullBundleRun(e: unknown): (() => void) | undefined {
  if ((e as { code?: unknown } | null)?.code !== START_OVER) return undefined;
  const key = Symbol.for(FULL_BUNDLE_KEY);
  const full = (globalThis as Record<symbol, unknown>)[key];
  if (typeof full !== 'function') return undefined;
  delete (globalThis as Record<symbol, unknown>)[key];
  return full as () => void;
}
