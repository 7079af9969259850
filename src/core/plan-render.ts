/**
 * The plan as a reader wants it (`parallel plan`): markdown with an overview, waves, a mermaid
 * dependency graph, each phase's task, owned paths and checklist, and the decisions log; or
 * mermaid alone; or JSON. Pure: live data (ticked checklist items, decisions) is passed in by
 * the caller, so the same renderer serves before and after sessions start.
 */
import { computeWaves } from './graph.js';
import { phasePort, type Phase, type PhaseId, type Plan } from './plan.js';

export interface LivePlanData {
  /** Checklist items ticked so far, by phase: 0-based item indexes. */
  ticked?: Map<PhaseId, Set<number>>;
  /** The decisions log, oldest first (`at` is an ISO time). */
  decisions?: { at: string; text: string }[];
}

export type PlanFormat = 'md' | 'mermaid' | 'json';
export const PLAN_FORMATS: readonly PlanFormat[] = ['md', 'mermaid', 'json'];

function waveIndex(plan: Plan): Map<PhaseId, number> {
  const out = new Map<PhaseId, number>();
  computeWaves(plan.phases).forEach((wave, i) => wave.forEach((id) => out.set(id, i + 1)));
  return out;
}

function code(s: string): string {
  const fence = s.includes('`') ? '``' : '`';
  return `${fence}${s.includes('`') ? ` ${s} ` : s}${fence}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function mermaidLabel(s: string): string {
  return s.replace(/"/g, '#quot;');
}

/** A mermaid flowchart: one subgraph per wave, `needs` as arrows, reviews as dotted arrows. */
export function renderMermaid(plan: Plan): string {
  const nodeId = new Map(plan.phases.map((p, i) => [p.id, `p${i}`]));
  const lines = ['flowchart TD'];
  computeWaves(plan.phases).forEach((wave, i) => {
    lines.push(`  subgraph w${i + 1}["Wave ${i + 1}"]`);
    for (const id of wave) lines.push(`    ${nodeId.get(id)}["${mermaidLabel(id)}"]`);
    lines.push('  end');
  });
  for (const p of plan.phases) {
    for (const dep of p.needs) lines.push(`  ${nodeId.get(dep)} --> ${nodeId.get(p.id)}`);
    if (p.reviews !== undefined) lines.push(`  ${nodeId.get(p.reviews)} -. reviews .-> ${nodeId.get(p.id)}`);
  }
  return lines.join('\n');
}

function checklistLines(phase: Phase, ticked: Set<number> | undefined): string[] {
  return phase.checklist.map((item, i) => {
    const box = ticked?.has(i) ? '[x]' : '[ ]';
    return `- ${box} ${item.text}${item.verify ? ` (verified by ${code(item.verify)})` : ''}`;
  });
}

export function renderMarkdown(plan: Plan, live: LivePlanData = {}): string {
  const waves = computeWaves(plan.phases);
  const waveOf = waveIndex(plan);
  const out: string[] = [];
  const facts = [
    plan.base ? `base ${code(plan.base)}` : undefined,
    `${plan.phases.length} phase${plan.phases.length === 1 ? '' : 's'}`,
    `${waves.length} wave${waves.length === 1 ? '' : 's'}`,
    plan.test ? `tests: ${code(plan.test)}` : 'no test command',
  ].filter(Boolean);
  out.push(`# Plan: ${plan.name}`, '', facts.join(' · '), '');

  out.push('## Overview', '', '| Phase | Wave | Needs | Task | Progress |', '| --- | --- | --- | --- | --- |');
  for (const p of plan.phases) {
    const needs = [...p.needs, ...(p.reviews ? [`reviews ${p.reviews}`] : [])].join(', ') || '-';
    const total = p.checklist.length;
    const done = live.ticked?.get(p.id)?.size ?? 0;
    out.push(`| ${cell(p.id)} | ${waveOf.get(p.id)} | ${cell(needs)} | ${cell(p.task || '-')} | ${total ? `${Math.min(done, total)}/${total}` : '-'} |`);
  }
  out.push('');

  out.push('## Waves', '');
  waves.forEach((wave, i) => out.push(`${i + 1}. ${wave.join(', ')}${wave.length > 1 ? ' (may run at once)' : ''}`));
  out.push('');

  out.push('## Dependency graph', '', '```mermaid', renderMermaid(plan), '```', '');

  out.push('## Phases', '');
  for (const p of plan.phases) {
    const port = phasePort(plan, p);
    out.push(`### ${p.id}${p.reviews ? ` (reviews ${p.reviews})` : ''}`, '');
    if (p.task) out.push(p.task, '');
    const meta: string[] = [];
    meta.push(`- Wave: ${waveOf.get(p.id)}`);
    if (p.needs.length) meta.push(`- Needs: ${p.needs.join(', ')}`);
    if (p.owns.length) meta.push(`- Owns: ${p.owns.map(code).join(', ')}`);
    if (p.exclude.length) meta.push(`- Except: ${p.exclude.map(code).join(', ')}`);
    if (p.reviews) meta.push(`- Reviews ${p.reviews}: approves or rejects its current tip; owns nothing`);
    if (port !== undefined) meta.push(`- Port: ${port}`);
    out.push(...meta, '');
    if (p.checklist.length) out.push('Checklist:', '', ...checklistLines(p, live.ticked?.get(p.id)), '');
    if (p.criteria.length) out.push('Review criteria:', '', ...p.criteria.map((c) => `- ${c}`), '');
  }

  out.push('## Shared paths', '');
  out.push(plan.shared.length ? `Every phase may change: ${plan.shared.map(code).join(', ')}` : 'None: each path belongs to at most one phase at a time.', '');

  out.push('## Decisions', '');
  if (live.decisions?.length) for (const d of live.decisions) out.push(`- ${d.at}: ${d.text}`);
  else out.push('No decisions recorded yet (the coordinator adds them with `parallel decide "TEXT"`).');
  return `${out.join('\n')}\n`;
}

/** The plan as data (for `--format json`), with waves and live checkbox state. */
export function planData(plan: Plan, live: LivePlanData = {}): Record<string, unknown> {
  const waveOf = waveIndex(plan);
  return {
    schema: 1,
    name: plan.name,
    base: plan.base ?? null,
    test: plan.test ?? null,
    waves: computeWaves(plan.phases),
    shared: plan.shared,
    phases: plan.phases.map((p) => ({
      id: p.id,
      task: p.task,
      wave: waveOf.get(p.id),
      needs: p.needs,
      reviews: p.reviews ?? null,
      owns: p.owns,
      exclude: p.exclude,
      port: phasePort(plan, p) ?? null,
      checklist: p.checklist.map((item, i) => ({ text: item.text, ...(item.verify ? { verify: item.verify } : {}), done: live.ticked?.get(p.id)?.has(i) ?? false })),
      criteria: p.criteria,
    })),
    decisions: live.decisions ?? [],
  };
}

export function renderPlan(plan: Plan, format: PlanFormat, live: LivePlanData = {}): string {
  if (format === 'mermaid') return `${renderMermaid(plan)}\n`;
  if (format === 'json') return `${JSON.stringify(planData(plan, live), null, 2)}\n`;
  return renderMarkdown(plan, live);
}
