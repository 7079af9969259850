/**
 * What `parallel start` was asked to do: the options (exactly one of phase ids, `--wave N`,
 * `--ready`; `--session` for one phase; `--meta key=value`) and the phases they name.
 */
import type { CommandInput } from '../command.js';
import { usageError } from '../errors.js';
import { computeWaves } from '../core/graph.js';
import { ID_PATTERN, RESERVED_IDS, phaseById, type Plan, type PhaseId } from '../core/plan.js';

export interface StartOptions {
  ids: PhaseId[];
  wave?: number;
  ready: boolean;
  session?: string;
  meta: Record<string, string>;
}

export function parseMeta(values: string[] | undefined): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const kv of values ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z0-9_.-]+$/.test(kv.slice(0, eq))) {
      throw usageError(`parallel: --meta "${kv}" is not key=value. Write it like --meta model=opus (keys: letters, digits, "_", ".", "-").`);
    }
    meta[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return meta;
}

export function parseOptions(input: CommandInput): StartOptions {
  const { opts, args } = input;
  const ready = opts.ready === true;
  const waveText = typeof opts.wave === 'string' ? opts.wave : undefined;
  const modes = [args.length > 0, waveText !== undefined, ready].filter(Boolean).length;
  if (modes !== 1) {
    throw usageError(`parallel: start needs exactly one of: phase ids, --wave N or --ready${modes > 1 ? ' (not several)' : ''}. Run "parallel start --help".`);
  }
  let wave: number | undefined;
  if (waveText !== undefined) {
    if (!/^\d+$/.test(waveText) || Number(waveText) < 1) throw usageError(`parallel: --wave "${waveText}" is not a wave number. Waves count from 1; "parallel check" lists them.`);
    wave = Number(waveText);
  }
  const session = typeof opts.session === 'string' ? opts.session : undefined;
  if (session !== undefined) {
    if (RESERVED_IDS.has(session)) throw usageError(`parallel: "${session}" is reserved and cannot be a session id. Pick another, e.g. "${session}-1".`);
    if (!ID_PATTERN.test(session)) throw usageError(`parallel: session id "${session}" is not valid. Use lowercase letters, digits, "-" and "_", starting with a letter (at most 40).`);
    if (args.length !== 1) throw usageError('parallel: --session names the session of one phase; start one phase with it ("parallel start <phase> --session ID").');
  }
  return { ids: args, wave, ready, session, meta: parseMeta(opts.meta as string[] | undefined) };
}

export function requestedPhases(plan: Plan, o: StartOptions): PhaseId[] {
  if (o.ready) return plan.phases.map((p) => p.id);
  if (o.wave !== undefined) {
    const waves = computeWaves(plan.phases);
    if (o.wave > waves.length) throw usageError(`parallel: the plan has ${waves.length} wave${waves.length === 1 ? '' : 's'}, so there is no wave ${o.wave}. Run "parallel check" to see them.`);
    return waves[o.wave - 1]!;
  }
  const unknown = o.ids.filter((id) => !phaseById(plan, id));
  if (unknown.length) {
    throw usageError(`parallel: unknown phase${unknown.length === 1 ? '' : 's'} ${unknown.map((u) => `"${u}"`).join(', ')}. The plan's phases are: ${plan.phases.map((p) => p.id).join(', ')}.`);
  }
  return [...new Set(o.ids)];
}
