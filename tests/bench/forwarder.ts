/**
 * The relay bench's baseline (issue 13): a bare node:http + ws server that does the least a
 * relay must do with a webhook. It reads the POST's body, sends one frame naming the call to
 * every connected socket, and answers 200. No signature check, no store, no routing: what is
 * left of a webhook's cost once everything the relay adds is taken away, on the same machine
 * and in the same run as the relay, so that the load on a shared machine cancels out of the ratio.
 *
 * Run as a process (`node --import tsx tests/bench/forwarder.ts`); its first line on stdout is
 * `{"msg":"listening","port":…}`, as the relay's is.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const callId = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('CallSid');
    // The relay's frame names the call the same way: the bench's sockets find `"call_id":"…"` in both.
    const frame = JSON.stringify({ type: 'call', event: 'created', call: { call_id: callId } });
    for (const socket of sockets.clients) socket.send(frame);
    response.writeHead(200, { 'Content-Type': 'text/xml' });
    response.end('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });
});
// The relay's own options for its sockets: no compression, small client messages.
const sockets = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false, maxPayload: 4096 });

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
