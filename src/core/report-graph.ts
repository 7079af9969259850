/**
 * The report's dependency graph as inline SVG (pure): one column per wave, one node per phase
 * coloured by its state (class `state-<state>`), `needs` as solid arrows, `reviews` as dashed
 * ones, each node's hover text its state and task.
 */
import { esc, token } from './html.js';

export interface GraphNode {
  id: string;
  state: string;
  task: string;
  needs: readonly string[];
  reviews: string | null;
}

const COL = 190;
const NODE_W = 150;
const NODE_H = 34;
const ROW = 50;
const PAD = 20;

export function renderGraph(nodes: readonly GraphNode[], waves: readonly (readonly string[])[]): string {
  const pos = new Map<string, { x: number; y: number }>();
  waves.forEach((wave, w) => wave.forEach((id, i) => pos.set(id, { x: PAD + w * COL, y: PAD + 18 + i * ROW })));
  const width = PAD * 2 + Math.max(1, waves.length) * COL - (COL - NODE_W);
  const height = PAD * 2 + 18 + Math.max(1, ...waves.map((w) => w.length)) * ROW - (ROW - NODE_H);
  const out: string[] = [];
  out.push(`<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="dependency graph">`);
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker></defs>');
  waves.forEach((_, w) => out.push(`<text class="wave-label" x="${PAD + w * COL}" y="${PAD}">Wave ${w + 1}</text>`));
  const edge = (from: string, to: string, cls: string, label: string) => {
    const a = pos.get(from);
    const b = pos.get(to);
    if (!a || !b) return;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const mx = (x1 + x2) / 2;
    out.push(`<path class="edge ${cls}" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 2},${y2}" marker-end="url(#arrow)"><title>${esc(label)}</title></path>`);
  };
  for (const n of nodes) {
    for (const dep of n.needs) edge(dep, n.id, 'edge-needs', `${n.id} needs ${dep}`);
    if (n.reviews) edge(n.reviews, n.id, 'edge-reviews', `${n.id} reviews ${n.reviews}`);
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    if (!p) continue;
    out.push(`<g class="node state-${token(n.state)}" data-phase="${esc(n.id)}"><title>${esc(`${n.id}: ${n.state}${n.task ? ` — ${n.task}` : ''}`)}</title>`
      + `<rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="6"/>`
      + `<text x="${p.x + 10}" y="${p.y + 21}">${esc(n.id)}</text>`
      + `<text class="node-state" x="${p.x + NODE_W - 8}" y="${p.y + 21}" text-anchor="end">${esc(n.state.replace(/_/g, ' '))}</text></g>`);
  }
  out.push('</svg>');
  return out.join('');
}
