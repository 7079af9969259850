/** One event as a line of `parallel log` (pure). */
import type { StatusEvent } from '../store/types.js';
import { stamp } from './dashboard.js';

export function formatEvent(e: StatusEvent): string {
  const who = e.phase ? (e.session === e.phase ? e.phase : `${e.phase}/${e.session}`) : 'coordinator';
  const bits: string[] = [];
  if (typeof e.progress === 'number') bits.push(`${e.progress}%`);
  if (e.type === 'task') bits.push(`${e.undo ? 'unticked' : 'ticked'} ${Number(e.item) + 1}. ${String(e.text ?? '')}`);
  if (e.type === 'review') bits.push(`${String(e.verdict)} ${String(e.reviews)}@${String(e.tip ?? '').slice(0, 7)}`);
  if (e.type === 'commit' && typeof e.commit === 'string') bits.push(e.commit.slice(0, 7));
  if (e.message) bits.push(e.type === 'handoff' ? e.message.split('\n')[0]! : e.message.replace(/\s+/g, ' '));
  if (Array.isArray(e.output_files) && e.output_files.length) bits.push(`outputs: ${e.output_files.join(', ')}`);
  if (e.metadata && Object.keys(e.metadata).length) bits.push(Object.entries(e.metadata).map(([k, v]) => `${k}=${v}`).join(' '));
  return `${stamp(Date.parse(e.at))}  ${who.padEnd(16)}  ${e.type.padEnd(9)}  ${bits.join('  ')}`.trimEnd();
}
