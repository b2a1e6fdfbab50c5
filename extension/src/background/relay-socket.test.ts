import type { CallView } from '@phone-connector/shared';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { type CallEvent, type ConnectionState, RelaySocket } from './relay-socket.ts';

const call = (id: string): CallView =>
  ({ id, instance_id: 'in_1', call_id: `CA${id}`, direction: 'inbound', status: 'ringing', extra: {} }) as unknown as CallView;

interface FakeRelay {
  url: string;
  hellos: Array<{ token: string; last_seq: number | null }>;
  pings: number;
  sockets: Set<import('ws').WebSocket>;
  close(): Promise<void>;
}

/**
 * A real WebSocket server speaking the relay's /ws protocol (docs/relay.md), in memory.
 * With `closeWith`, it answers every hello by closing with that code (4401: a refused token).
 */
async function fakeRelay(events: Array<{ seq: number; call: CallView }>, options: { closeWith?: number } = {}): Promise<FakeRelay> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const relay: FakeRelay = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hellos: [],
    pings: 0,
    sockets: new Set(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  server.on('connection', (socket) => {
    relay.sockets.add(socket);
    socket.on('close', () => relay.sockets.delete(socket));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'ping') {
        relay.pings++;
        socket.send('{"type":"pong"}');
        return;
      }
      relay.hellos.push({ token: message.token, last_seq: message.last_seq });
      if (options.closeWith) return socket.close(options.closeWith);
      const last = events.at(-1)?.seq ?? 0;
      socket.send(JSON.stringify({ type: 'welcome', seq: last, agent: { id: 'ag_1', name: 'Ada' } }));
      for (const e of events) if (message.last_seq !== null && e.seq > message.last_seq) socket.send(JSON.stringify({ type: 'call', seq: e.seq, event: 'created', call: e.call }));
    });
  });
  return relay;
}

const until = async (check: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

function client(relay: FakeRelay, stored: { seq: number | null }, seen: CallEvent[], states: ConnectionState[], extra: Partial<ConstructorParameters<typeof RelaySocket>[0]> = {}) {
  const socket = new RelaySocket({
    url: relay.url,
    token: 'tok',
    loadSeq: async () => stored.seq,
    onWelcome: async (seq) => {
      if (stored.seq === null || stored.seq > seq) stored.seq = seq;
    },
    onEvent: async (event) => {
      seen.push(event);
      stored.seq = event.seq;
    },
    onState: (state) => states.push(state),
    WebSocketImpl: NodeWebSocket as unknown as typeof WebSocket,
    maxBackoffMs: 50,
    ...extra,
  });
  cleanup.push(() => socket.stop());
  return socket;
}

// Real sockets on loopback: quick, but sized for a busy machine.
describe('RelaySocket', { timeout: 30_000 }, () => {
  it('says hello with the token and resumes after the last seq it handled', async () => {
    const relay = await fakeRelay([1, 2, 3, 4].map((seq) => ({ seq, call: call(String(seq)) })));
    cleanup.push(() => relay.close());
    const stored = { seq: 2 as number | null };
    const seen: CallEvent[] = [];
    const states: ConnectionState[] = [];
    client(relay, stored, seen, states).start();
    await until(() => seen.length === 2);
    expect(relay.hellos).toEqual([{ token: 'tok', last_seq: 2 }]);
    expect(seen.map((e) => e.seq)).toEqual([3, 4]);
    expect(states).toEqual(['connecting', 'connected']);
  });

  it('starts from the relay seq on first connection, replaying nothing old', async () => {
    const relay = await fakeRelay([{ seq: 7, call: call('7') }]);
    cleanup.push(() => relay.close());
    const stored = { seq: null as number | null };
    const seen: CallEvent[] = [];
    client(relay, stored, seen, []).start();
    await until(() => stored.seq === 7);
    expect(relay.hellos[0]?.last_seq).toBeNull();
    expect(seen).toEqual([]);
  });

  it('reconnects after the connection drops and resumes where it stopped', async () => {
    const relay = await fakeRelay([{ seq: 1, call: call('1') }]);
    cleanup.push(() => relay.close());
    const stored = { seq: 0 as number | null };
    const seen: CallEvent[] = [];
    const states: ConnectionState[] = [];
    client(relay, stored, seen, states).start();
    await until(() => seen.length === 1);
    for (const s of relay.sockets) s.terminate();
    await until(() => relay.hellos.length === 2 && states.at(-1) === 'connected');
    expect(relay.hellos[1]?.last_seq).toBe(1);
    expect(states).toContain('offline');
    expect(seen.map((e) => e.seq)).toEqual([1]);
  });

  it('keeps the connection alive with pings', async () => {
    const relay = await fakeRelay([]);
    cleanup.push(() => relay.close());
    client(relay, { seq: 0 }, [], [], { keepaliveMs: 20 }).start();
    await until(() => relay.pings >= 2);
  });

  it('stops retrying when the relay refuses the token', async () => {
    const refusing = await fakeRelay([], { closeWith: 4401 });
    const dropping = await fakeRelay([], { closeWith: 4400 });
    cleanup.push(() => refusing.close(), () => dropping.close());
    const states: ConnectionState[] = [];
    client(refusing, { seq: 0 }, [], states).start();
    await until(() => states.at(-1) === 'unauthorized');
    // A client dropped for another reason retries with the same backoff. Once it has retried
    // three times, the refused one would have retried at least once, had it meant to.
    client(dropping, { seq: 0 }, [], []).start();
    await until(() => dropping.hellos.length >= 4);
    expect(refusing.hellos).toHaveLength(1);
    expect(states).toEqual(['connecting', 'unauthorized']);
  });

  it('backs off while the relay is down and connects once it is up', async () => {
    const states: ConnectionState[] = [];
    const socket = new RelaySocket({
      url: 'http://127.0.0.1:9',
      token: 't',
      loadSeq: async () => 0,
      onWelcome: async () => undefined,
      onEvent: async () => undefined,
      onState: (state) => states.push(state),
      WebSocketImpl: NodeWebSocket as unknown as typeof WebSocket,
      maxBackoffMs: 40,
    });
    cleanup.push(() => socket.stop());
    socket.start();
    await until(() => states.filter((s) => s === 'offline').length >= 3);
    expect(states.every((s) => s === 'connecting' || s === 'offline')).toBe(true);
  });
});
