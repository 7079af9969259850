/**
 * `.parallel.yml` text -> Plan, or every problem found, each with file:line:col, what is wrong
 * and how to fix it. Parse (YAML AST with positions) -> validate shape -> validate references.
 * Works on the AST rather than `toJS()` so each problem can point at its node, and so aliases are
 * refused before anything expands them (an alias bomb is 430 bytes).
 */
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, isAlias, isPair, type Node, type YAMLMap, type Pair, type Document } from 'yaml';
import {
  DEFAULT_AGENTS, DEFAULT_TIMEOUTS, DEFAULT_WORKTREES, ID_PATTERN, PLAN_AGENTS, RESERVED_IDS, worktreesProblem,
  type ChecklistItem, type Phase, type Plan, type Timeouts,
} from '../core/plan.js';
import { durationProblem, parseDuration } from '../core/duration.js';
import { globProblem } from '../core/glob-rules.js';
import { findCycle } from '../core/graph.js';

export interface PlanProblem {
  line: number;
  col: number;
  message: string;
}

export type LoadResult =
  | { ok: true; plan: Plan }
  /** `cycle` is the closed path (`[a, b, c, a]`) when the phases form one, also alongside other problems. */
  | { ok: false; problems: PlanProblem[]; cycle?: string[] };

export interface ParseOptions {
  /** The recorded base (`git config parallel.base`): a `base:` in the plan must match it. */
  recordedBase?: string;
}

export const TOP_KEYS = ['version', 'name', 'base', 'test', 'worktrees', 'setup', 'copy', 'ports', 'shared', 'timeouts', 'test_retries', 'agents', 'phases'];
export const PHASE_KEYS = ['id', 'task', 'owns', 'exclude', 'needs', 'reviews', 'criteria', 'checklist'];

class Collector {
  problems: PlanProblem[] = [];
  cycle?: string[];
  constructor(private readonly lc: LineCounter) {}
  lineOf(node: { range?: [number, number, number] | null } | null | undefined): number {
    return this.lc.linePos(node?.range?.[0] ?? 0).line;
  }
  at(node: { range?: [number, number, number] | null } | null | undefined, message: string): void {
    this.atOffset(node?.range?.[0] ?? 0, message);
  }
  atOffset(offset: number, message: string): void {
    const pos = this.lc.linePos(offset);
    this.problems.push({ line: Math.max(1, pos.line), col: Math.max(1, pos.col), message });
  }
}

type Pos = { range?: [number, number, number] | null };

function describe(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'empty';
    if (typeof v === 'number') return `the number ${String(node.source ?? v)}`;
    if (typeof v === 'boolean') return `the boolean ${String(v)}`;
    return `the text "${String(v)}"`;
  }
  return 'something else';
}

/** Parse and validate plan text. `text` must already be known to be UTF-8. */
export function parsePlan(text: string, opts: ParseOptions = {}): LoadResult {
  const lc = new LineCounter();
  const c = new Collector(lc);
  const fail = (): LoadResult => ({ ok: false, problems: c.problems.sort((a, b) => a.line - b.line || a.col - b.col), ...(c.cycle ? { cycle: c.cycle } : {}) });
  if (text.trim() === '') {
    c.atOffset(0, EMPTY_PLAN);
    return fail();
  }
  // Duplicate keys are found (and named) by `pairsOf`, so the rest of the plan is still checked.
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false, merge: false, prettyErrors: false }) as Document.Parsed[] | { errors?: unknown };
  if (!Array.isArray(docs) || docs.length === 0) {
    c.atOffset(0, docs && Array.isArray(docs) ? EMPTY_PLAN : 'the plan could not be read as YAML; check its indentation and quoting');
    return fail();
  }
  if (docs.length > 1) {
    c.at({ range: docs[1]!.range }, 'the plan holds more than one YAML document (a "---" line starts a second one); keep a single document');
  }
  const doc = docs[0]!;
  for (const err of doc.errors) c.atOffset(err.pos[0], `YAML syntax error: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}; fix the indentation or quote the value`);
  if (doc.errors.length) return fail();

  // Refuse every alias and anchor before anything could expand them.
  let aliasSeen = false;
  const visit = (node: unknown): void => {
    if (isAlias(node)) {
      c.at(node as Pos, `YAML aliases ("*${node.source}") are not allowed in the plan; write the value out in full`);
      aliasSeen = true;
      return;
    }
    if (isMap(node) || isSeq(node)) for (const item of node.items) visit(item);
    if (isPair(node)) { visit(node.key); visit(node.value); }
  };
  visit(doc.contents);
  if (aliasSeen) return fail();

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    c.atOffset(0, EMPTY_PLAN);
    return fail();
  }
  if (!isMap(root)) {
    c.at(root as Pos, `the plan must be a mapping with "version", "name" and "phases", not ${describe(root)}`);
    return fail();
  }
  const plan = validateTop(root, c, opts);
  if (c.problems.length || !plan) return fail();
  return { ok: true, plan };
}

const EMPTY_PLAN = 'the plan is empty; it needs at least "version: 1", "name:" and "phases:" (run "parallel init" for a starter plan)';

function pairsOf(map: YAMLMap, allowed: string[], where: string, c: Collector): Map<string, Pair<Node, Node>> {
  const out = new Map<string, Pair<Node, Node>>();
  const seen = new Map<string, Pos>();
  for (const pair of map.items as Pair<Node, Node>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined) {
      c.at(pair.key as Pos, `${where}: keys must be plain names, not ${describe(pair.key)}`);
      continue;
    }
    const first = seen.get(key);
    if (first) {
      c.at(pair.key as Pos, `${where}: duplicate key "${key}" (first at line ${c.lineOf(first)}); each key may appear once, remove or merge the repeated one`);
      continue;
    }
    seen.set(key, pair.key as Pos);
    if (!allowed.includes(key)) {
      const close = allowed.find((k) => key.length > 2 && k.startsWith(key.slice(0, 3)));
      const hint = key === '<<' ? 'YAML merge keys ("<<") are not supported, write the keys out; ' : close ? `did you mean "${close}"? ` : '';
      c.at(pair.key as Pos, `${where}: unknown key "${key}"; ${hint}allowed keys are ${allowed.join(', ')}`);
      continue;
    }
    out.set(key, pair);
  }
  return out;
}

/** `"owns"` at the top level, `phase "auth": "owns"` inside a phase. */
function label(where: string, key: string): string {
  return where ? `${where}: "${key}"` : `"${key}"`;
}

function str(pair: Pair<Node, Node> | undefined, what: string, c: Collector, opts: { required?: boolean; parent?: Pos; where?: string } = {}): string | undefined {
  const name = label(opts.where ?? '', what);
  if (!pair) {
    if (opts.required) c.at(opts.parent, `${opts.where ? `${opts.where}: ` : ''}missing "${what}"; add it`);
    return undefined;
  }
  const v = pair.value;
  if (isScalar(v) && typeof v.value === 'string') return v.value;
  if (isScalar(v) && (typeof v.value === 'number' || typeof v.value === 'boolean')) {
    c.at(v as Pos, `${name} must be text, not ${describe(v)}; quote it ("${String(v.source ?? v.value)}")`);
    return undefined;
  }
  c.at((v ?? pair.key) as Pos, `${name} must be text, not ${describe(v)}`);
  return undefined;
}

function strList(pair: Pair<Node, Node> | undefined, what: string, c: Collector, opts: { globs?: boolean; where?: string } = {}): string[] {
  if (!pair) return [];
  const name = label(opts.where ?? '', what);
  const v = pair.value;
  if (!isSeq(v)) {
    const hint = isScalar(v) && typeof v.value === 'string' ? `; write it as a list: ${what}: [${v.value}]` : '';
    c.at((v ?? pair.key) as Pos, `${name} must be a list, not ${describe(v)}${hint}`);
    return [];
  }
  const out: string[] = [];
  for (const item of v.items) {
    if (isScalar(item) && typeof item.value === 'string') {
      const text = item.value.normalize('NFC');
      if (opts.globs) {
        const problem = globProblem(text);
        if (problem) { c.at(item as Pos, `${name}: ${problem}`); continue; }
      }
      out.push(text);
    } else if (isScalar(item) && (typeof item.value === 'number' || typeof item.value === 'boolean')) {
      c.at(item as Pos, `each entry of ${name} must be text, not ${describe(item)}; quote it ("${String(item.source ?? item.value)}")`);
    } else {
      c.at(item as Pos, `each entry of ${name} must be text, not ${describe(item)}`);
    }
  }
  return out;
}

function validateTop(root: YAMLMap, c: Collector, opts: ParseOptions): Plan | undefined {
  const keys = pairsOf(root, TOP_KEYS, 'plan', c);
  const rootPos = root as Pos;

  const versionPair = keys.get('version');
  if (!versionPair) c.at(rootPos, 'missing "version"; add "version: 1" at the top of the plan');
  else if (!isScalar(versionPair.value) || versionPair.value.value !== 1) {
    c.at((versionPair.value ?? versionPair.key) as Pos, `unsupported version ${isScalar(versionPair.value) ? String(versionPair.value.source ?? versionPair.value.value) : describe(versionPair.value)}; this parallel reads "version: 1"`);
  }

  const name = str(keys.get('name'), 'name', c, { required: true, parent: rootPos });
  if (!keys.has('name')) c.problems[c.problems.length - 1]!.message = 'missing "name"; add a workspace name such as "name: my-project" (lowercase letters, digits, "-" and "_")';
  if (name !== undefined && !ID_PATTERN.test(name)) c.at(keys.get('name')!.value as Pos, `name ${JSON.stringify(name)} is not valid; use lowercase letters, digits, "-" and "_", starting with a letter (at most 40), e.g. "${suggestId(name)}"`);

  const base = str(keys.get('base'), 'base', c);
  if (base !== undefined && opts.recordedBase !== undefined && base !== opts.recordedBase) {
    c.at(keys.get('base')!.value as Pos, baseMismatch(base, opts.recordedBase));
  }
  const test = str(keys.get('test'), 'test', c);
  const worktrees = str(keys.get('worktrees'), 'worktrees', c) ?? DEFAULT_WORKTREES;
  if (keys.has('worktrees') && !worktrees.includes('{phase}')) c.at(keys.get('worktrees')!.value as Pos, `"worktrees" must contain "{phase}" so each phase gets its own folder (default: ${DEFAULT_WORKTREES})`);
  // A relative template is judged exactly without knowing where the repository is ({repo} is the
  // main worktree's own folder name); an absolute one is judged again by start.
  const inside = keys.has('worktrees') ? worktreesProblem(worktrees, '/\u0000/\u0000repo') : undefined;
  if (inside) c.at(keys.get('worktrees')!.value as Pos, inside);
  const setup = keys.has('setup') && isScalar(keys.get('setup')!.value) && typeof (keys.get('setup')!.value as { value: unknown }).value === 'string'
    ? [str(keys.get('setup'), 'setup', c)!]
    : strList(keys.get('setup'), 'setup', c);
  const copy = strList(keys.get('copy'), 'copy', c, { globs: true });
  for (const [key, list] of [['copy', copy]] as const) {
    // copy names untracked files in the main worktree; it must not reach into .git.
    for (const entry of list) if (entry.split('/')[0] === '.git') c.at(keys.get(key)!.value as Pos, `"${key}" may not name paths inside .git ("${entry}"); list files of the work tree`);
  }
  const shared = strList(keys.get('shared'), 'shared', c, { globs: true });
  const agents = keys.has('agents') ? strList(keys.get('agents'), 'agents', c) : [...DEFAULT_AGENTS];
  for (const [i, a] of agents.entries()) {
    if (!(PLAN_AGENTS as readonly string[]).includes(a)) {
      const seq = keys.get('agents')!.value as { items: Pos[] };
      c.at(seq.items[i] ?? (keys.get('agents')!.value as Pos), `"agents" lists "${a}", which parallel cannot set up; use any of ${PLAN_AGENTS.join(', ')} (or [] for none)`);
    }
  }

  let ports: Plan['ports'];
  let portsNode: Pos | undefined;
  const portsPair = keys.get('ports');
  if (portsPair) {
    if (!isMap(portsPair.value)) c.at((portsPair.value ?? portsPair.key) as Pos, `"ports" must be a mapping like "ports: { base: 3100 }", not ${describe(portsPair.value)}`);
    else {
      const pk = pairsOf(portsPair.value, ['base'], 'ports', c);
      const bp = pk.get('base');
      if (!bp) c.at(portsPair.value as Pos, 'missing "ports.base"; write "ports: { base: 3100 }"');
      else if (!isScalar(bp.value) || typeof bp.value.value !== 'number' || !Number.isInteger(bp.value.value) || bp.value.value < 1) {
        c.at((bp.value ?? bp.key) as Pos, `"ports.base" must be a positive whole number, not ${describe(bp.value)}`);
      } else {
        ports = { base: bp.value.value };
        portsNode = bp.value as Pos;
      }
    }
  }

  const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS };
  const toPair = keys.get('timeouts');
  if (toPair) {
    if (!isMap(toPair.value)) c.at((toPair.value ?? toPair.key) as Pos, `"timeouts" must be a mapping like "timeouts: { heartbeat: 5m, session: 4h, test: 30m }"`);
    else {
      const tk = pairsOf(toPair.value, ['heartbeat', 'session', 'test'], 'timeouts', c);
      for (const [k, p] of tk) {
        const v = p.value;
        const text = isScalar(v) ? String(v.value) : undefined;
        const ms = text !== undefined ? parseDuration(text) : undefined;
        if (ms === undefined || ms <= 0) c.at((v ?? p.key) as Pos, `"timeouts.${k}" must be a duration like 90s, 5m or 4h, not ${describe(v)}`);
        else if (durationProblem(ms)) c.at(v as Pos, `"timeouts.${k}: ${text}" ${durationProblem(ms)}; use at most 24d`);
        else timeouts[k as keyof Timeouts] = ms;
      }
    }
  }

  let testRetries = 1;
  const trPair = keys.get('test_retries');
  if (trPair) {
    const v = trPair.value;
    if (!isScalar(v) || typeof v.value !== 'number' || !Number.isInteger(v.value) || v.value < 0 || v.value > 10) c.at((v ?? trPair.key) as Pos, `"test_retries" must be a whole number from 0 to 10, not ${describe(v)}`);
    else testRetries = v.value;
  }

  const phases: Phase[] = [];
  const phasesPair = keys.get('phases');
  const idNodes = new Map<string, Pos>();
  const refNodes: { from: string; kind: 'needs' | 'reviews'; to: string; node: Pos }[] = [];
  if (!phasesPair) c.at(rootPos, 'missing "phases"; add at least one phase with an "id" and a "task"');
  else if (!isSeq(phasesPair.value) || phasesPair.value.items.length === 0) {
    c.at((phasesPair.value ?? phasesPair.key) as Pos, `"phases" must be a list with at least one phase, not ${describe(phasesPair.value)}`);
  } else {
    phasesPair.value.items.forEach((item, index) => {
      const phase = validatePhase(item as Node, index, c, refNodes);
      if (!phase) return;
      if (idNodes.has(phase.id)) c.at(phase.node, `duplicate phase id "${phase.id}"; every phase needs its own id`);
      else idNodes.set(phase.id, phase.node);
      phases.push(phase.phase);
    });
  }

  if (ports && ports.base + Math.max(phases.length, 1) - 1 > 65535) {
    c.at(portsNode, `"ports.base" ${ports.base} plus ${phases.length} phases passes 65535; choose a lower base`);
  }

  for (const ref of refNodes) {
    if (ref.from === ref.to) {
      c.at(ref.node, ref.kind === 'needs' ? `phase "${ref.from}" needs itself; remove "${ref.to}" from its needs` : `phase "${ref.from}" reviews itself; a reviewer must review another phase`);
    } else if (!idNodes.has(ref.to)) {
      c.at(ref.node, `phase "${ref.from}" ${ref.kind} "${ref.to}", which is not a phase in this plan; fix the id or add the phase`);
    }
  }
  // A cycle among valid references is reported alongside any other problem (unknown ids are ignored).
  const cycle = findCycle(phases.filter((p) => idNodes.get(p.id) !== undefined));
  if (cycle) {
    c.cycle = cycle;
    c.at(idNodes.get(cycle[0]!), `phases form a cycle: ${cycle.join(' -> ')}; remove one of these "needs" (or "reviews") so the phases can run in order`);
  }
  if (c.problems.length) return undefined;

  return {
    version: 1,
    name: name!,
    base,
    test,
    worktrees,
    setup,
    copy,
    ports,
    shared,
    timeouts,
    testRetries,
    agents: agents as Plan['agents'],
    phases,
  };
}

function validatePhase(
  item: Node,
  index: number,
  c: Collector,
  refs: { from: string; kind: 'needs' | 'reviews'; to: string; node: Pos }[],
): { phase: Phase; id: string; node: Pos } | undefined {
  if (!isMap(item)) {
    c.at(item as Pos, `each phase must be a mapping with "id" and "task", not ${describe(item)}`);
    return undefined;
  }
  const idItem = (item.items as Pair<Node, Node>[]).find((p) => isScalar(p.key) && p.key.value === 'id' && isScalar(p.value) && typeof p.value.value === 'string');
  const label = idItem ? `phase ${JSON.stringify((idItem.value as { value: string }).value)}` : `phase ${index + 1}`;
  const keys = pairsOf(item, PHASE_KEYS, label, c);
  const idPair = keys.get('id');
  if (idPair && isScalar(idPair.value) && typeof idPair.value.value === 'number') {
    const shown = String(idPair.value.source ?? idPair.value.value);
    c.at(idPair.value as Pos, `phase id ${shown} is not valid: ids start with a lowercase letter and use lowercase letters, digits, "-" and "_" (at most 40), e.g. "phase-${shown.replace(/[^0-9a-z]/g, '')}"`);
    return undefined;
  }
  const id = str(idPair, 'id', c, { required: true, parent: item as Pos, where: `phase ${index + 1}` });
  if (id === undefined) return undefined;
  const idNode = idPair!.value as Pos;
  const where = `phase "${id}"`;
  if (!ID_PATTERN.test(id)) {
    c.at(idNode, `phase id ${JSON.stringify(id)} is not valid: ids start with a lowercase letter and use lowercase letters, digits, "-" and "_" (at most 40), e.g. "${suggestId(id)}"`);
  } else if (RESERVED_IDS.has(id)) {
    c.at(idNode, `phase id "${id}" is reserved (parallel/${id} is the integration branch); choose another id`);
  }
  const task = str(keys.get('task'), 'task', c, { where }) ?? '';
  const owns = strList(keys.get('owns'), 'owns', c, { globs: true, where });
  const exclude = strList(keys.get('exclude'), 'exclude', c, { globs: true, where });
  const needsPair = keys.get('needs');
  const needs = strList(needsPair, 'needs', c, { where });
  if (needsPair && isSeq(needsPair.value)) {
    needsPair.value.items.forEach((n, i) => { if (needs[i] !== undefined) refs.push({ from: id, kind: 'needs', to: needs[i]!, node: n as Pos }); });
  }
  const reviewsPair = keys.get('reviews');
  const reviews = str(reviewsPair, 'reviews', c, { where });
  if (reviews !== undefined) refs.push({ from: id, kind: 'reviews', to: reviews, node: reviewsPair!.value as Pos });
  const criteria = strList(keys.get('criteria'), 'criteria', c, { where });
  const checklist = validateChecklist(keys.get('checklist'), where, c);
  if (reviews !== undefined) {
    for (const k of ['owns', 'needs', 'checklist', 'exclude'] as const) {
      if (keys.has(k)) c.at(keys.get(k)!.key as Pos, `${where} reviews "${reviews}" and so may not have "${k}"; a reviewer owns nothing and approves or rejects (remove "${k}", or make it a normal phase that needs "${reviews}")`);
    }
  }
  return {
    id,
    node: idNode,
    phase: { id, index, task, owns, exclude, needs, reviews, criteria, checklist },
  };
}

function validateChecklist(pair: Pair<Node, Node> | undefined, where: string, c: Collector): ChecklistItem[] {
  if (!pair) return [];
  if (!isSeq(pair.value)) {
    c.at((pair.value ?? pair.key) as Pos, `${where}: "checklist" must be a list, not ${describe(pair.value)}`);
    return [];
  }
  const out: ChecklistItem[] = [];
  for (const item of pair.value.items) {
    if (isScalar(item) && typeof item.value === 'string') out.push({ text: item.value });
    else if (isMap(item)) {
      const k = pairsOf(item, ['text', 'verify'], `${where} checklist item`, c);
      const text = str(k.get('text'), 'text', c, { required: true, parent: item as Pos, where: `${where} checklist item` });
      const verify = str(k.get('verify'), 'verify', c, { where: `${where} checklist item` });
      if (text !== undefined) out.push(verify !== undefined ? { text, verify } : { text });
    } else c.at(item as Pos, `${where}: checklist items must be text or { text, verify }, not ${describe(item)}; quote it`);
  }
  return out;
}

function suggestId(id: string): string {
  const s = id.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 40);
  return s || 'phase-1';
}

/** The problem text when the plan's `base:` differs from the recorded base. */
export function baseMismatch(planBase: string, recorded: string): string {
  return `the plan says "base: ${planBase}" but this repository records "${recorded}" as its base (git config parallel.base); change the plan to "base: ${recorded}", or record the plan's base with "git config parallel.base ${planBase}"`;
}
