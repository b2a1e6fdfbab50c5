import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { BEARER_SUBPROTOCOL_PREFIX, CLOSE_CODES, RELAY_SUBPROTOCOL } from '@phone-connector/shared';
import { WebSocketServer } from 'ws';
import { agentForToken, bearerToken } from '../auth/index.ts';
import type { Logger } from '../log.ts';
import type { RelayStore } from '../store/index.ts';
import { CLOSE_GRACE_MS } from './agent-socket.ts';
import type { Hub } from './hub.ts';

export interface WebSocketOptions {
  store: RelayStore;
  hub: Hub;
  log: Logger;
}

/** Client messages are small (pings); anything bigger is closed with 1009. */
const MAX_CLIENT_MESSAGE = 4096;

/**
 * Serves `/ws` on the HTTP server. The upgrade itself must carry the agent's token, in
 * `Authorization: Bearer` (Node clients) or, since browsers cannot set headers on a WebSocket,
 * as the subprotocol `bearer.<token>` beside `phone-connector`; `?last_seq=` says where to
 * resume. Anything else is refused before upgrading, with an HTTP status: no socket is ever
 * opened for a client the relay does not know.
 */
export function attachWebSocket(server: Server, options: WebSocketOptions): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_MESSAGE,
    // No compression: the sockets write live events' frames straight to the connection (agent-socket.ts).
    perMessageDeflate: false,
    // Never the default (the first protocol offered), which could be the token itself.
    handleProtocols: (offered) => (offered.has(RELAY_SUBPROTOCOL) ? RELAY_SUBPROTOCOL : false),
  });
  // One listener for every socket: one created inside the upgrade's callbacks kept their scopes,
  // and with them each connection's upgrade request, its URL and its agent, for as long as it
  // stayed connected: some 2.5 KB of an idle agent's 6 (issue 13).
  const logProtocolError = (error: Error) => options.log.debug('ws protocol error', { error });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://relay.invalid');
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'WebSocket upgrades are served on /ws only');
    const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((protocol) => protocol.trim()).filter(Boolean);
    const token = request.headers.authorization !== undefined ? bearerToken(request.headers.authorization) : subprotocolToken(offered);
    // The client may reset while its token is looked up: an unhandled socket error would crash the relay.
    const resetWhileLooking = () => socket.destroy();
    socket.on('error', resetWhileLooking);
    agentForToken(options.store, token).then(
      (agent) => {
        socket.off('error', resetWhileLooking);
        if (socket.destroyed) return;
        if (!agent) return refuseUpgrade(socket, 401, 'a valid agent token is required: Authorization: Bearer <token>, or the subprotocols phone-connector and bearer.<token>');
        if (offered.length > 0 && !offered.includes(RELAY_SUBPROTOCOL)) return refuseUpgrade(socket, 400, `offer the subprotocol ${RELAY_SUBPROTOCOL} beside bearer.<token>`);
        const lastSeq = parseLastSeq(url.searchParams.get('last_seq'));
        if (lastSeq === undefined) return refuseUpgrade(socket, 400, 'last_seq must be a non-negative integer');
        wss.handleUpgrade(request, socket, head, (ws) => {
          // A protocol error (oversized or malformed frame) is emitted here, then ws closes the socket.
          ws.on('error', logProtocolError);
          options.hub.attach(ws, socket, agent, lastSeq);
        });
      },
      (error: unknown) => {
        socket.off('error', resetWhileLooking);
        options.log.error('ws: the agent could not be looked up', { error });
        refuseUpgrade(socket, 503, 'the relay cannot read its store now: try again');
      },
    );
  });
  return wss;
}

/** Closes every connection with 1001. */
export function closeWebSockets(wss: WebSocketServer, reason: string): void {
  for (const ws of wss.clients) {
    ws.close(CLOSE_CODES.goingAway, reason);
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }
  wss.close();
}

/** The token a browser offers as the subprotocol `bearer.<token>`. */
function subprotocolToken(offered: readonly string[]): string | undefined {
  return offered.find((protocol) => protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX))?.slice(BEARER_SUBPROTOCOL_PREFIX.length) || undefined;
}

/** Answers an upgrade request with an HTTP error and closes the connection, as the API would answer. */
function refuseUpgrade(socket: Duplex, status: 400 | 401 | 404 | 503, error: string): void {
  // Node's own error handling leaves an upgraded socket; a client that resets must not crash the relay.
  socket.on('error', () => socket.destroy());
  const body = JSON.stringify({ error });
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(status === 401 ? ['WWW-Authenticate: Bearer'] : []),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

/** `?last_seq=`: absent is null (live events only); undefined: malformed. */
function parseLastSeq(value: string | null): number | null | undefined {
  if (value === null) return null;
  return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}
