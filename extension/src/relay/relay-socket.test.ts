import type { CallView } from '@phone-connector/shared';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { RelayApi } from './relay-api.ts';
import { type CallEvent, type ConnectionState, RelaySocket } from './relay-socket.ts';

const call = (id: string): CallView =>
  ({ id, instance_id: 'in_1', call_id: `CA${id}`, direction: 'inbound', status: 'ringing', extra: {} }) as unknown as CallView;

interface FakeRelay {
  url: string;
  /** What each upgrade request carried: the token offered as a subprotocol and the last seq in the query. */
  handshakes: Array<{ token: string | undefined; last_seq: number | null }>;
  pings: number;
  sockets: Set<import('ws').WebSocket>;
  close(): Promise<void>;
}

/**
 * A real HTTP + WebSocket server speaking the relay's /ws protocol (docs/relay.md): the token
 * comes as the subprotocol `bearer.<token>` and a refused one is a 401 before any upgrade, as
 * is `GET /api/v1/me`. `refuse: 'token'` refuses every token; `refuse: 'unavailable'` turns
 * upgrades down with 503 (a proxy in trouble) while the token is good.
 */
/** An event of the fake relay's log; `prev_seq` is sent when given, as a relay whose agents' seqs are not contiguous does. */
interface LoggedEvent {
  seq: number;
  prev_seq?: number;
  call: CallView;
}

async function fakeRelay(events: LoggedEvent[], options: { refuse?: 'token' | 'unavailable' } = {}): Promise<FakeRelay> {
  const http = createServer((request, response) => {
    const refused = options.refuse === 'token' || request.headers.authorization !== 'Bearer tok';
    response.writeHead(request.url === '/api/v1/me' && !refused ? 200 : 401, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(refused ? { error: 'a valid agent token is required' } : { id: 'ag_1', name: 'Ada' }));
  });
  const server = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has('phone-connector') ? 'phone-connector' : false) });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const relay: FakeRelay = {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    handshakes: [],
    pings: 0,
    sockets: new Set(),
    close: () =>
      new Promise((resolve) => {
        for (const socket of relay.sockets) socket.terminate();
        server.close();
        http.close(() => resolve());
      }),
  };
  http.on('upgrade', (request, socket, head) => {
    // The client under test may reset a connection while it is turned down (it retries fast):
    // that reset is the client's business, not an error of this fake relay.
    socket.on('error', () => undefined);
    const protocols = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const token = protocols.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length);
    const lastSeq = new URL(request.url ?? '/', relay.url).searchParams.get('last_seq');
    relay.handshakes.push({ token, last_seq: lastSeq === null ? null : Number(lastSeq) });
    if (options.refuse || token !== 'tok' || !protocols.includes('phone-connector')) {
      const status = options.refuse === 'unavailable' ? '503 Service Unavailable' : '401 Unauthorized';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    server.handleUpgrade(request, socket, head, (ws) => {
      relay.sockets.add(ws);
      ws.on('close', () => relay.sockets.delete(ws));
      ws.on('message', (data) => {
        if (JSON.parse(String(data)).type !== 'ping') return;
        relay.pings++;
        ws.send('{"type":"pong"}');
      });
      const last = events.at(-1)?.seq ?? 0;
      ws.send(JSON.stringify({ type: 'welcome', seq: last, agent: { id: 'ag_1', name: 'Ada' } }));
      for (const e of events) if (lastSeq !== null && e.seq > Number(lastSeq)) ws.send(callMessage(e));
    });
  });
  return relay;
}

const callMessage = (e: LoggedEvent) => JSON.stringify({ type: 'call', seq: e.seq, prev_seq: e.prev_seq, event: 'created', call: e.call });

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
    tokenRefused: () => new RelayApi({ url: relay.url, token: 'tok' }).tokenRefused(),
    WebSocketImpl: NodeWebSocket as unknown as typeof WebSocket,
    maxBackoffMs: 50,
    ...extra,
  });
  cleanup.push(() => socket.stop());
  return socket;
}

// Real sockets on loopback: quick, but sized for a busy machine.
describe('RelaySocket', { timeout: 30_000 }, () => {
  it('offers the token in the handshake and resumes after the last seq it handled', async () => {
    const relay = await fakeRelay([1, 2, 3, 4].map((seq) => ({ seq, call: call(String(seq)) })));
    cleanup.push(() => relay.close());
    const stored = { seq: 2 as number | null };
    const seen: CallEvent[] = [];
    const states: ConnectionState[] = [];
    client(relay, stored, seen, states).start();
    await until(() => seen.length === 2);
    expect(relay.handshakes).toEqual([{ token: 'tok', last_seq: 2 }]);
    expect(seen.map((e) => e.seq)).toEqual([3, 4]);
    expect(states).toEqual(['connecting', 'connected']);
  });

  it('ignores a message the relay protocol does not define and handles the next one', async () => {
    const relay = await fakeRelay([]);
    cleanup.push(() => relay.close());
    const seen: CallEvent[] = [];
    const states: ConnectionState[] = [];
    client(relay, { seq: 0 }, seen, states).start();
    await until(() => states.includes('connected') && relay.sockets.size === 1);
    for (const ws of relay.sockets) {
      ws.send(JSON.stringify({ type: 'call', seq: 1.5, event: 'created', call: call('1') }));
      ws.send(JSON.stringify({ type: 'call', seq: 1, event: 'deleted', call: call('1') }));
      ws.send(JSON.stringify({ type: 'call', seq: 1, event: 'created', call: 'CA1' }));
      ws.send('not json');
      ws.send(JSON.stringify({ type: 'call', seq: 2, prev_seq: 0, event: 'updated', call: call('2') }));
    }
    await until(() => seen.length > 0);
    expect(seen).toEqual([{ seq: 2, event: 'updated', call: call('2') }]);
  });

  it("hands over the agent's changes the relay tells, in order with the events, its seq untouched", async () => {
    const relay = await fakeRelay([]);
    cleanup.push(() => relay.close());
    const seen: CallEvent[] = [];
    const states: ConnectionState[] = [];
    const changes: Array<string | null> = [];
    const stored = { seq: 0 as number | null };
    client(relay, stored, seen, states, { onAgent: async (agent) => void changes.push(agent.away_until ? `${agent.away_since} until ${agent.away_until}` : agent.away_since) }).start();
    await until(() => states.includes('connected') && relay.sockets.size === 1);
    for (const ws of relay.sockets) {
      // A relay from before return times sends none: read as null.
      ws.send(JSON.stringify({ type: 'agent', agent: { id: 'ada', away_since: '2026-12-07T09:00:00.000Z' } }));
      ws.send(JSON.stringify({ type: 'agent', agent: { id: 'ada' } }));
      ws.send(JSON.stringify({ type: 'agent', agent: { id: 'ada', away_since: '2026-12-07T09:00:00.000Z', away_until: '2026-12-07T10:00:00.000Z' } }));
      ws.send(JSON.stringify({ type: 'call', seq: 1, prev_seq: 0, event: 'created', call: call('1') }));
      ws.send(JSON.stringify({ type: 'agent', agent: { id: 'ada', away_since: null, away_until: null } }));
    }
    await until(() => changes.length === 3);
    expect(changes).toEqual(['2026-12-07T09:00:00.000Z', '2026-12-07T09:00:00.000Z until 2026-12-07T10:00:00.000Z', null]);
    expect(seen.map((e) => e.seq)).toEqual([1]);
    expect(stored.seq).toBe(1);
  });

  it('starts from the relay seq on first connection, replaying nothing old', async () => {
    const relay = await fakeRelay([{ seq: 7, call: call('7') }]);
    cleanup.push(() => relay.close());
    const stored = { seq: null as number | null };
    const seen: CallEvent[] = [];
    client(relay, stored, seen, []).start();
    await until(() => stored.seq === 7);
    expect(relay.handshakes[0]?.last_seq).toBeNull();
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
    await until(() => relay.handshakes.length === 2 && states.at(-1) === 'connected');
    expect(relay.handshakes[1]?.last_seq).toBe(1);
    expect(states).toContain('offline');
    expect(seen.map((e) => e.seq)).toEqual([1]);
  });

  it('takes seqs that skip, each after the one its event names as previous, without reconnecting', async () => {
    const relay = await fakeRelay([
      { seq: 3, prev_seq: 0, call: call('3') },
      { seq: 7, prev_seq: 3, call: call('7') },
      { seq: 12, prev_seq: 7, call: call('12') },
    ]);
    cleanup.push(() => relay.close());
    const stored = { seq: 3 as number | null };
    const seen: CallEvent[] = [];
    client(relay, stored, seen, []).start();
    await until(() => seen.length === 2);
    const live = { seq: 20, prev_seq: 12, call: call('20') };
    for (const ws of relay.sockets) ws.send(callMessage(live));
    await until(() => seen.length === 3);
    expect(seen.map((e) => e.seq)).toEqual([7, 12, 20]);
    expect(relay.handshakes.map((h) => h.last_seq)).toEqual([3]);
  });

  it.each([
    ['whose event names the previous seq', false],
    ['that numbers each agent\'s events contiguously (no previous seq)', true],
  ])('resumes after the last event handled when an event was missed, from a relay %s, once each', async (_, contiguous) => {
    const seqs = contiguous ? [1, 2, 3, 4] : [5, 9, 14, 20];
    const events: LoggedEvent[] = seqs.map((seq, i) => ({ seq, ...(contiguous ? {} : { prev_seq: seqs[i - 1] ?? 0 }), call: call(String(seq)) }));
    const log = events.slice(0, 2);
    const relay = await fakeRelay(log);
    cleanup.push(() => relay.close());
    const stored = { seq: 0 as number | null };
    const seen: CallEvent[] = [];
    const states: ConnectionState[] = [];
    client(relay, stored, seen, states).start();
    await until(() => seen.length === 2);
    // Two more events are committed; the connection misses the first (lost on its way).
    log.push(events[2]!, events[3]!);
    for (const ws of relay.sockets) ws.send(callMessage(events[3]!));
    await until(() => seen.length === 4);
    expect(seen.map((e) => e.seq)).toEqual(seqs);
    expect(relay.handshakes.map((h) => h.last_seq)).toEqual([0, seqs[1]]);
    expect(states).not.toContain('offline');
  });

  it("keeps pinging on the connection resumed after a missed event, whenever the left connection's close comes", async () => {
    const events: LoggedEvent[] = [1, 2, 3].map((seq) => ({ seq, call: call(String(seq)) }));
    const log = events.slice(0, 1);
    const relay = await fakeRelay(log);
    cleanup.push(() => relay.close());
    // The first connection's close reaches the client only when the test says: after the next one is welcomed.
    const heldCloses: Array<() => void> = [];
    let created = 0;
    const onclose = Object.getOwnPropertyDescriptor(NodeWebSocket.prototype, 'onclose')!;
    class FirstCloseHeld extends NodeWebSocket {
      constructor(...args: ConstructorParameters<typeof NodeWebSocket>) {
        super(...args);
        if (++created !== 1) return;
        Object.defineProperty(this, 'onclose', {
          get: () => onclose.get!.call(this),
          set: (handler: ((event: unknown) => void) | null) => onclose.set!.call(this, handler && ((event: unknown) => heldCloses.push(() => handler.call(this, event)))),
        });
      }
    }
    const seen: CallEvent[] = [];
    const states: ConnectionState[] = [];
    client(relay, { seq: 0 }, seen, states, { keepaliveMs: 20, WebSocketImpl: FirstCloseHeld as unknown as typeof WebSocket }).start();
    await until(() => seen.length === 1);
    log.push(events[1]!, events[2]!);
    for (const ws of relay.sockets) ws.send(callMessage(events[2]!));
    await until(() => seen.length === 3 && relay.handshakes.length === 2 && states.at(-1) === 'connected' && heldCloses.length === 1);
    heldCloses[0]!();
    relay.pings = 0;
    await until(() => relay.pings >= 2);
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('keeps the connection alive with pings', async () => {
    const relay = await fakeRelay([]);
    cleanup.push(() => relay.close());
    client(relay, { seq: 0 }, [], [], { keepaliveMs: 20 }).start();
    await until(() => relay.pings >= 2);
  });

  it('stops retrying when the relay refuses the token, which the browser only sees as 1006', async () => {
    const relay = await fakeRelay([], { refuse: 'token' });
    const unavailable = await fakeRelay([], { refuse: 'unavailable' });
    cleanup.push(() => relay.close(), () => unavailable.close());
    const states: ConnectionState[] = [];
    client(relay, { seq: 0 }, [], states).start();
    await until(() => states.at(-1) === 'unauthorized');
    // A client turned down for another reason retries with the same backoff: once it has retried
    // three times, the refused one would have retried at least once, had it meant to.
    client(unavailable, { seq: 0 }, [], []).start();
    await until(() => unavailable.handshakes.length >= 4);
    expect(relay.handshakes).toHaveLength(1);
    expect(states).toEqual(['connecting', 'unauthorized']);
  });

  it('keeps retrying when the relay turns the connection down for another reason than the token', async () => {
    const relay = await fakeRelay([], { refuse: 'unavailable' });
    cleanup.push(() => relay.close());
    const states: ConnectionState[] = [];
    client(relay, { seq: 0 }, [], states).start();
    await until(() => relay.handshakes.length >= 3);
    expect(states).not.toContain('unauthorized');
    expect(states).toContain('offline');
  });

  it('stops retrying when the relay closes an open connection with 4401 (the agent was removed)', async () => {
    const relay = await fakeRelay([]);
    const unavailable = await fakeRelay([], { refuse: 'unavailable' });
    cleanup.push(() => relay.close(), () => unavailable.close());
    const states: ConnectionState[] = [];
    client(relay, { seq: 0 }, [], states).start();
    await until(() => states.at(-1) === 'connected');
    for (const s of relay.sockets) s.close(4401, 'the agent was removed');
    await until(() => states.at(-1) === 'unauthorized');
    client(unavailable, { seq: 0 }, [], []).start();
    await until(() => unavailable.handshakes.length >= 4);
    expect(relay.handshakes).toHaveLength(1);
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
      tokenRefused: () => new RelayApi({ url: 'http://127.0.0.1:9', token: 't' }).tokenRefused(),
      WebSocketImpl: NodeWebSocket as unknown as typeof WebSocket,
      maxBackoffMs: 40,
    });
    cleanup.push(() => socket.stop());
    socket.start();
    await until(() => states.filter((s) => s === 'offline').length >= 3);
    expect(states.every((s) => s === 'connecting' || s === 'offline')).toBe(true);
  });
});
