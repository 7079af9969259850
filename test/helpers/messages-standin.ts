/**
 * A scripted stand-in for the Anthropic Messages API on 127.0.0.1, enough for the real Claude Code
 * CLI to run a session offline: each streaming `POST /v1/messages` gets the next scripted turn
 * (a `tool_use` block, or text) as server-sent events; non-streaming calls get a small message.
 * Every request body is kept, so a test can look for what reached the model (the brief, a
 * tool_result's refusal reason, context added by a hook).
 */
import { sse, startJsonStandIn } from './json-standin.js';

export type Turn = { tool: string; input: Record<string, unknown> } | { text: string };

export interface StandIn {
  url: string;
  /** Every request body, parsed, in order. */
  requests: { path: string; body: Record<string, unknown> }[];
  /** All request text joined (for "did the model see X"). */
  seen(): string;
  close(): Promise<void>;
}

export async function startStandIn(script: Turn[]): Promise<StandIn> {
  let next = 0;
  let ids = 0;
  const http = await startJsonStandIn((req, res, body) => {
    if (req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    const model = typeof body.model === 'string' ? body.model : 'claude-standin';
    const usage = { input_tokens: 10, output_tokens: 5 };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `msg_${++ids}`, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', stop_sequence: null, usage }));
      return;
    }
    const turn = script[next] ?? { text: 'Done.' };
    next += 1;
    const id = `msg_${++ids}`;
    const start: [string, unknown] = ['message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } }];
    if ('tool' in turn) {
      sse(res, [start,
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: `toolu_${ids}`, name: turn.tool, input: {} } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(turn.input) } }],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 5 } }],
        ['message_stop', { type: 'message_stop' }]]);
    } else {
      sse(res, [start,
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: turn.text } }],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }],
        ['message_stop', { type: 'message_stop' }]]);
    }
  });
  return { url: `http://127.0.0.1:${http.port}`, requests: http.requests, seen: http.seen, close: http.close };
}
