import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The forwarder between the Twilio simulator and the relay; see `startCallPacing`. */
export interface CallPacing {
  /** Where the simulator sends a webhook addressed to the relay's public URL. */
  route(publicUrl: string): string;
  close(): Promise<void>;
}

const FORWARDED_HEADERS = ['content-type', 'user-agent', 'x-twilio-signature'];

/**
 * Real calls take seconds to ring and to talk; the Twilio simulator plays a whole call in a
 * few milliseconds. This forwarder stands where the internet would be, between the simulator
 * (its `forward` option) and the relay: it holds each webhook for `pauseMs`, then passes it on
 * unchanged and hands back the relay's answer, so people and screenshots see every status.
 * The signature still verifies: Twilio signs the relay's public URL, not the hop's. Once
 * `signal` aborts (the demo is stopping) webhooks go through without waiting.
 */
export async function startCallPacing(options: { relayUrl: string; pauseMs: number; signal: AbortSignal }): Promise<CallPacing> {
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      await pause(options.pauseMs, options.signal);
      const headers: Record<string, string> = {};
      for (const name of FORWARDED_HEADERS) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const method = request.method ?? 'GET';
      const answer = await fetch(`${options.relayUrl}${request.url ?? '/'}`, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: new Uint8Array(body) }) });
      response.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await answer.arrayBuffer()));
    })().catch((error: Error) => {
      if (!response.headersSent) response.writeHead(502, { 'Content-Type': 'text/plain' });
      response.end(`relay unreachable: ${error.message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const relayOrigin = new URL(options.relayUrl).origin;
  return {
    route: (publicUrl) => (publicUrl.startsWith(relayOrigin) ? origin + publicUrl.slice(relayOrigin.length) : publicUrl),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
