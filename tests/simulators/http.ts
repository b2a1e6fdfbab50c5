/**
 * The HTTP plumbing every provider simulator needs: a server on a free loopback port, request
 * bodies, JSON answers, Basic credentials, the record of what a webhook target answered, and
 * the zone-less times several providers write in their payloads.
 * What a provider says, and in which shape, stays in that provider's simulator.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Serves `handle` on a free port of 127.0.0.1. A handler that throws is answered by `onError`,
 * so a simulator bug reaches the engine as the provider's own 500 rather than a hung request.
 */
export async function listen(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onError: (res: ServerResponse, error: Error) => void,
): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => onError(res, error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Resolves once the server has stopped listening and its connections are closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A JSON answer with a plain `application/json` type; providers that add a charset or headers keep their own. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** The `Authorization` value of HTTP Basic credentials. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** What a webhook target answered. A request that could not be sent keeps status 0 and the error as body. */
export interface WebhookAnswer {
  status: number;
  /** The answer's Content-Type, '' when it has none. */
  contentType: string;
  body: string;
}

/**
 * Sends one webhook and keeps whatever comes back, failures included: the simulators record
 * every exchange so a test can see what the relay answered, or that it could not be reached.
 */
export async function sendWebhook(url: string | URL, init: RequestInit): Promise<WebhookAnswer> {
  const answer: WebhookAnswer = { status: 0, contentType: '', body: '' };
  try {
    const response = await fetch(url, init);
    answer.status = response.status;
    answer.contentType = response.headers.get('content-type') ?? '';
    answer.body = await response.text();
  } catch (error) {
    answer.body = (error as Error).message;
  }
  return answer;
}

/**
 * `YYYY-MM-DD HH:MM:SS`, the zone-less time Africa's Talking, Exotel, Ozonetel, Plivo and
 * Zadarma write (in the account's zone on a real account; UTC here).
 */
export function zonelessTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** A simulated call a test may keep ringing the agent's phone, or connected, until the API ends it. */
export interface HoldableCall {
  ringing?: { end(): void };
  connected?: () => void;
}

/** Ends every call left ringing or connected (a test that failed half-way), so that closing never waits on one. */
export function releaseCalls(calls: Iterable<HoldableCall>): void {
  for (const call of calls) {
    call.ringing?.end();
    call.connected?.();
  }
}

/** A simulator whose agent's phone a test can keep ringing (`agentPhone`) and whose calls it can keep connected (`holdCalls`). */
export interface PhoneModes {
  agentPhone: 'answers' | 'rings';
  holdCalls: boolean;
  readonly calls: ReadonlyMap<string, HoldableCall>;
}

/**
 * Puts a simulator's phones back as they are by default (the agent answers at once, a call ends
 * on its own) and ends the calls a test that failed half-way left ringing or connected.
 */
export function answerAtOnce(simulator: PhoneModes): void {
  simulator.agentPhone = 'answers';
  simulator.holdCalls = false;
  releaseCalls(simulator.calls.values());
}

/** A recording's stand-in MP3: an ID3 header, then bytes that depend on its sid, 1,000 a second. */
export function recordingBytes(sid: string, seconds: number): Buffer {
  const body = Buffer.alloc(Math.max(1, seconds) * 1000);
  for (let i = 0; i < body.length; i++) body[i] = sid.charCodeAt(i % sid.length) ^ (i & 0xff);
  return Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'), body]);
}

/** Answers a recording's MP3 as file hosts do: all of it (200), or the part a `Range: bytes=a-b` asks for (206). */
export function sendRecording(req: IncomingMessage, res: ServerResponse, file: Buffer): void {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const end = range && range[2] ? Math.min(Number(range[2]), file.length - 1) : file.length - 1;
  const headers: Record<string, string> = { 'Content-Type': 'audio/mpeg', 'Accept-Ranges': 'bytes', 'Content-Length': String(end - start + 1) };
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${file.length}`;
  res.writeHead(range ? 206 : 200, headers);
  res.end(file.subarray(start, end + 1));
}
