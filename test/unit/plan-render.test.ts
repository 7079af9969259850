import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/config/plan-loader.js';
import { renderMarkdown, renderMermaid, planData } from '../../src/core/plan-render.js';
import { SPEC_PLAN } from '../helpers/repo.js';
import type { Plan } from '../../src/core/plan.js';

const plan = (() => {
  const res = parsePlan(SPEC_PLAN.replace('base: main', 'base: main\ntest: npm test\nports: { base: 3100 }\nshared: [package-lock.json]'));
  if (!res.ok) throw new Error(JSON.stringify(res.problems));
  return res.plan;
})();

describe('plan rendering', () => {
  it('markdown: overview, waves, graph, phases with owned paths and checklist boxes, decisions', () => {
    const md = renderMarkdown(plan);
    expect(md).toMatch(/^# Plan: client-portal\n\nbase `main` · 4 phases · 3 waves · tests: `npm test`/);
    expect(md).toContain('| schema | 1 | - | Database schema for users, projects, files and invoices | 0/2 |');
    expect(md).toContain('2. auth, dashboard (may run at once)');
    expect(md).toContain('```mermaid\nflowchart TD');
    expect(md).toContain('- Owns: `src/db/`, `migrations/**`');
    expect(md).toContain('- Except: `src/db/generated/**`');
    expect(md).toContain('- Port: 3101');
    expect(md).toContain('- [ ] Create the users table\n- [ ] Migrations run cleanly (verified by `true`)');
    expect(md).toContain('### review-auth (reviews auth)');
    expect(md).toContain('- No hard-coded secrets');
    expect(md).toContain('Every phase may change: `package-lock.json`');
    expect(md).toContain('No decisions recorded yet');
  });

  it('renders live checkbox state and decisions when given', () => {
    const md = renderMarkdown(plan, { ticked: new Map([['schema', new Set([1])]]), decisions: [{ at: '2026-01-02T10:00:00Z', text: 'Use UUIDs | not ints' }] });
    expect(md).toContain('- [ ] Create the users table\n- [x] Migrations run cleanly');
    expect(md).toContain('| 1/2 |');
    expect(md).toContain('- 2026-01-02T10:00:00Z: Use UUIDs | not ints');
    expect(planData(plan, { ticked: new Map([['schema', new Set([0])]]) })).toMatchObject({
      schema: 1, name: 'client-portal', waves: [['schema'], ['auth', 'dashboard'], ['review-auth']],
      phases: [{ id: 'schema', wave: 1, port: 3100, checklist: [{ text: 'Create the users table', done: true }, { text: 'Migrations run cleanly', verify: 'true', done: false }] }, {}, {}, { id: 'review-auth', reviews: 'auth', wave: 3 }],
    });
  });

  it('mermaid: waves as subgraphs, needs as arrows, reviews dotted; ids with dashes are safe', () => {
    expect(renderMermaid(plan)).toBe([
      'flowchart TD',
      '  subgraph w1["Wave 1"]', '    p0["schema"]', '  end',
      '  subgraph w2["Wave 2"]', '    p1["auth"]', '    p2["dashboard"]', '  end',
      '  subgraph w3["Wave 3"]', '    p3["review-auth"]', '  end',
      '  p0 --> p1', '  p0 --> p2', '  p1 -. reviews .-> p3',
    ].join('\n'));
  });

  it('escapes table cells', () => {
    const p: Plan = { ...plan, phases: [{ ...plan.phases[0]!, task: 'a | b\nc' }] };
    expect(renderMarkdown(p)).toContain('| a \\| b c |');
  });
});
