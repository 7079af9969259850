/**
 * A scripted stand-in for the OpenAI Responses API on 127.0.0.1, enough for the real Codex CLI
 * (a `model_providers` entry with `wire_api = "responses"`) to run a session offline: each
 * `POST .../responses` gets the next scripted turn as server-sent events (response.created, the
 * output item added and done, response.completed): a `custom_tool_call` (Codex's freeform
 * apply_patch), a `function_call` (exec_command), or an assistant message. A turn's `before`
 * runs while Codex waits for that answer (to look at the phase mid-session). Every request body
 * is kept, so a test can look for what reached the model.
 */
import { sse, startJsonStandIn } from './json-standin.js';

export type ResponsesTurn = ({ custom: string; input: string } | { call: string; arguments: Record<string, unknown> } | { text: string }) & { before?: () => void };

export interface ResponsesStandIn {
  /** The provider's base_url (ends in /v1). */
  url: string;
  requests: { path: string; body: Record<string, unknown> }[];
  /** All request text joined (for "did the model see X"). */
  seen(): string;
  /** The output Codex sent back for the tool call of scripted turn `n` (0-based). */
  outputOf(n: number): string | undefined;
  /** Serve `script` from now on, with no requests kept (one stand-in for several sessions). */
  reset(script: ResponsesTurn[]): void;
  close(): Promise<void>;
}

export async function startResponsesStandIn(first: ResponsesTurn[] = []): Promise<ResponsesStandIn> {
  let script = first;
  let next = 0;
  const http = await startJsonStandIn((req, res) => {
    if (req.method !== 'POST' || !/\/responses$/.test(req.url ?? '')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"not served by the stand-in"}}');
      return;
    }
    const n = next++;
    const turn = script[n] ?? { text: 'Done.' };
    try {
      turn.before?.();
    } catch (e) {
      // A failed look must not hang Codex: answer, and let the test see the error.
      requests.push({ path: 'before-failed', body: { error: String(e) } });
    }
    const id = `resp_${n + 1}`;
    const item = 'custom' in turn
      ? { type: 'custom_tool_call', id: `ctc_${n + 1}`, call_id: `call_${n + 1}`, name: turn.custom, input: turn.input, status: 'completed' }
      : 'call' in turn
        ? { type: 'function_call', id: `fc_${n + 1}`, call_id: `call_${n + 1}`, name: turn.call, arguments: JSON.stringify(turn.arguments), status: 'completed' }
        : { type: 'message', role: 'assistant', id: `msg_${n + 1}`, status: 'completed', content: [{ type: 'output_text', text: turn.text, annotations: [] }] };
    const usage = { input_tokens: 10, input_tokens_details: null, output_tokens: 5, output_tokens_details: null, total_tokens: 15 };
    const events = [
      { type: 'response.created', response: { id } },
      { type: 'response.output_item.added', output_index: 0, item },
      { type: 'response.output_item.done', output_index: 0, item },
      { type: 'response.completed', response: { id, usage } },
    ];
    sse(res, events.map((e) => [e.type, e]));
  });
  const { requests } = http;
  return {
    url: `http://127.0.0.1:${http.port}/v1`,
    requests,
    seen: http.seen,
    outputOf: (n) => {
      for (const r of requests) {
        const input = Array.isArray(r.body.input) ? (r.body.input as { type?: string; call_id?: string; output?: unknown }[]) : [];
        const out = input.find((i) => (i.type === 'custom_tool_call_output' || i.type === 'function_call_output') && i.call_id === `call_${n + 1}`);
        if (out) return typeof out.output === 'string' ? out.output : JSON.stringify(out.output);
      }
      return undefined;
    },
    reset: (turns) => {
      script = turns;
      next = 0;
      requests.length = 0;
    },
    close: http.close,
  };
}
