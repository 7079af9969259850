/**
 * The HTTP part the model stand-ins share: a server on 127.0.0.1 that records every request with
 * its JSON body (an empty body when it is not JSON) and lets the stand-in answer it, and the
 * server-sent events both streaming protocols use.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  path: string;
  body: Record<string, unknown>;
}

export interface JsonStandIn {
  port: number;
  requests: RecordedRequest[];
  /** Every request body, as JSON text (to look for what reached the model). */
  seen(): string;
  close(): Promise<void>;
}

export async function startJsonStandIn(answer: (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void): Promise<JsonStandIn> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        // not JSON: keep an empty body
      }
      requests.push({ path: req.url ?? '', body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    requests,
    seen: () => requests.map((r) => JSON.stringify(r.body)).join('\n'),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Answer with server-sent events: `[event name, data]` pairs. */
export function sse(res: ServerResponse, events: [string, unknown][]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [name, data] of events) res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  res.end();
}
