import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { agentForToken, bearerToken } from '../auth/index.ts';
import type { Logger } from '../log.ts';
import type { CallStore } from '../store/index.ts';
import { CLOSE, CLOSE_GRACE_MS } from './agent-socket.ts';
import type { Hub } from './hub.ts';

export interface WebSocketOptions {
  store: CallStore;
  hub: Hub;
  log: Logger;
  /** How long a client without an Authorization header has to send its hello. */
  helloTimeoutMs: number;
}

/** Client messages are small (hello, ping); anything bigger is closed with 1009. */
const MAX_CLIENT_MESSAGE = 4096;

/**
 * Serves `/ws` on the HTTP server. A client authenticates with `Authorization: Bearer` on the
 * upgrade (and `?last_seq=`), or, since browsers cannot set headers, with a first message
 * `{"type":"hello","token","last_seq"}` within `helloTimeoutMs`.
 */
export function attachWebSocket(server: Server, options: WebSocketOptions): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://relay.invalid');
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      // A protocol error (oversized or malformed frame) is emitted here, then ws closes the socket.
      ws.on('error', (error) => options.log.debug('ws protocol error', { error }));
      if (request.headers.authorization !== undefined) authenticate(ws, bearerToken(request.headers.authorization), url.searchParams.get('last_seq'), options);
      else awaitHello(ws, options);
    });
  });
  return wss;
}

/** Closes every connection, authenticated or still awaiting its hello, with 1001. */
export function closeWebSockets(wss: WebSocketServer, reason: string): void {
  for (const ws of wss.clients) {
    ws.close(CLOSE.goingAway, reason);
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }
  wss.close();
}

function awaitHello(ws: WebSocket, options: WebSocketOptions): void {
  const timer = setTimeout(() => ws.close(CLOSE.unauthorized, 'no hello within the time allowed'), options.helloTimeoutMs);
  ws.once('close', () => clearTimeout(timer));
  ws.once('message', (data, isBinary) => {
    clearTimeout(timer);
    let hello: { type?: unknown; token?: unknown; last_seq?: unknown } | undefined;
    try {
      const parsed: unknown = JSON.parse(isBinary ? '' : data.toString());
      if (typeof parsed === 'object' && parsed !== null) hello = parsed;
    } catch {
      hello = undefined;
    }
    if (hello?.type !== 'hello') {
      ws.close(CLOSE.badHello, 'the first message must be {"type":"hello","token":"…","last_seq":N}');
      return;
    }
    authenticate(ws, typeof hello.token === 'string' ? hello.token : undefined, hello.last_seq ?? null, options);
  });
}

function authenticate(ws: WebSocket, token: string | undefined, lastSeqInput: unknown, options: WebSocketOptions): void {
  const agent = agentForToken(options.store, token);
  if (!agent) {
    ws.close(CLOSE.unauthorized, 'a valid agent token is required');
    return;
  }
  const lastSeq = parseLastSeq(lastSeqInput);
  if (lastSeq === undefined) {
    ws.close(CLOSE.badHello, 'last_seq must be a non-negative integer');
    return;
  }
  options.hub.attach(ws, agent, lastSeq);
}

/** null: live events only; undefined: malformed. */
function parseLastSeq(value: unknown): number | null | undefined {
  if (value === null) return null;
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
