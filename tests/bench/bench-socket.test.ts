import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { BenchSocket } from './bench-socket.ts';
import { until } from './relay.ts';

describe('BenchSocket', () => {
  let server: WebSocketServer | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('times each message by the call it names, in a relay event or a forwarder frame alike, and skips the others', async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server!.once('listening', resolve));
    server.on('connection', (ws) => {
      ws.send(JSON.stringify({ type: 'welcome', seq: 0, agent: { id: 'ag_1', name: 'Ada' } }));
      ws.send(JSON.stringify({ type: 'call', seq: 1, prev_seq: 0, event: 'created', call: { id: 7, call_id: 'CA1', from_number: '+1"quoted"' } }));
      ws.send(JSON.stringify({ type: 'call', event: 'created', call: { call_id: 'CA2' } }));
      ws.send(JSON.stringify({ type: 'call', seq: 2, prev_seq: 1, event: 'updated', call: { id: 7, call_id: 'CA1' } }));
    });
    const socket = await BenchSocket.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(await until(() => socket.count('CA1') === 2 && socket.count('CA2') === 1, 10_000)).toBe(true);
    expect(socket.count('ag_1')).toBe(0);
    expect(socket.arrival('CA1', 1)).toBeGreaterThanOrEqual(socket.arrival('CA2')!);
    expect(socket.arrival('CA2')).toBeGreaterThanOrEqual(socket.arrival('CA1')!);
    socket.close();
  });

  it('keeps how a connection the bench did not close ended, and resumes after the last seq it got, as the extension does (issue 10)', async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server!.once('listening', resolve));
    const event = (seq: number) => `{"type":"call","seq":${seq},"prev_seq":${seq - 1},"event":"created","call":{"id":${seq},"call_id":"CA${seq}"}}`;
    const queries: string[] = [];
    server.on('connection', (ws, request) => {
      queries.push(new URL(request.url!, 'http://bench.invalid').search);
      ws.send(JSON.stringify({ type: 'welcome', seq: 0, agent: { id: 'ag_1', name: 'Ada' } }));
      // The first connection is cut off after two events (as the relay cuts a slow client off: no close frame); the second replays the third.
      if (queries.length === 1) {
        ws.send(event(1));
        ws.send(event(2), () => ws.terminate());
      } else ws.send(event(3));
    });
    const socket = await BenchSocket.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'token');
    expect(await until(() => socket.count('CA3') === 1, 10_000)).toBe(true);
    expect(queries).toEqual(['', '?last_seq=2']);
    expect(socket.closes).toEqual([{ code: 1006, reason: '', at: expect.any(Number), lastSeq: 2 }]);
    expect([1, 2, 3].map((seq) => socket.count(`CA${seq}`))).toEqual([1, 1, 1]);
    // Closed by the bench: neither kept nor resumed.
    await socket.closed();
    expect(socket.closes).toHaveLength(1);
    expect(queries).toHaveLength(2);
  });
});
