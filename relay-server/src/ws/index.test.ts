import { serverMessageSchema } from '@phone-connector/shared';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateToken, hashToken } from '../auth/token.ts';
import { createLogger } from '../log.ts';
import { RelayMetrics } from '../metrics.ts';
import { type RelayOptions, type RunningRelay, startRelay } from '../server.ts';
import { openStore } from '../store/open.ts';
import { Hub } from './hub.ts';
import { attachWebSocket, closeWebSockets } from './index.ts';

let dir: string;
let relay: RunningRelay;
let ada: { id: string; token: string };
let logs: Array<Record<string, unknown>>;

async function start(options: Partial<RelayOptions> = {}) {
  logs = [];
  relay = await startRelay({ port: 0, host: '127.0.0.1', db: join(dir, 'relay.db'), log: createLogger({ write: (line) => logs.push(JSON.parse(line)) }), ...options });
  ada = await addAgent('ada', '+14155550111');
  await api('PUT', '/instances/main', { connector: 'twilio', config: { authid: 'AC1', authtoken: 't', callerid: '+15005550006' } });
}

async function addAgent(id: string, number: string) {
  const token = generateToken();
  await relay.store.addAgent({ id, name: id.toUpperCase(), number, email: null, admin: false, tokenHash: hashToken(token), createdAt: new Date().toISOString() });
  return { id, token };
}

async function api(method: string, path: string, body?: unknown, token = ada.token) {
  const response = await fetch(`http://127.0.0.1:${relay.port}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return response.json() as Promise<any>;
}

/** Creates `count` calls, one event each. */
async function makeEvents(count: number, from = 0) {
  for (let i = from; i < from + count; i++) await api('POST', '/calls', { instance: 'main', call_id: `CA${i}`, to_number: '+14155550100' });
}

class Client {
  readonly messages: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(data.toString())));
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }
  static async open(options: { token?: string; protocols?: string[]; query?: string; ws?: WebSocket.ClientOptions; path?: string } = {}) {
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}${options.path ?? '/ws'}${options.query ?? ''}`, options.protocols ?? [], {
      ...options.ws,
      ...(options.token ? { headers: { Authorization: `Bearer ${options.token}` } } : {}),
    });
    const client = new Client(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return client;
  }
  /** An upgrade the relay must refuse: its HTTP status and JSON body. */
  static refusal(options: { headers?: Record<string, string>; protocols?: string[]; query?: string }) {
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/ws${options.query ?? ''}`, options.protocols ?? [], { headers: options.headers ?? {} });
    return new Promise<{ status: number; headers: Record<string, unknown>; body: unknown }>((resolve, reject) => {
      ws.once('open', () => reject(new Error('the relay accepted the upgrade')));
      ws.once('unexpected-response', (_request, response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) }));
      });
    });
  }
  get events() {
    return this.messages.filter((m) => m.type === 'call');
  }
  async until(predicate: (c: Client) => boolean, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) throw new Error(`timed out with ${this.messages.length} messages`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relay-ws-'));
});
afterEach(async () => {
  await relay?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  beforeEach(() => start());

  it('takes the token in the upgrade header, with last_seq in the query', async () => {
    await makeEvents(3);
    const client = await Client.open({ token: ada.token, query: '?last_seq=1' });
    await client.until((c) => c.events.length === 2);
    expect(client.messages[0]).toEqual({ type: 'welcome', seq: 3, agent: { id: 'ada', name: 'ADA' } });
    expect(client.events.map((e) => e.seq)).toEqual([2, 3]);
    // What the extension parses them with (shared/src/relay-protocol).
    for (const message of client.messages) expect(serverMessageSchema.safeParse(message).error).toBeUndefined();
    client.ws.close();
  });

  it('takes the token as a subprotocol, as browsers must, and names only its own protocol back', async () => {
    await makeEvents(2);
    const client = await Client.open({ protocols: ['phone-connector', `bearer.${ada.token}`], query: '?last_seq=0' });
    expect(client.ws.protocol).toBe('phone-connector');
    await client.until((c) => c.events.length === 2);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', seq: 2 });
    expect(client.events[0]).toMatchObject({ type: 'call', seq: 1, event: 'created', call: { call_id: 'CA0', instance_id: 'main' } });
    client.ws.close();
  });

  it.each([
    ['no credentials', {}, 401],
    ['a wrong header token', { headers: { Authorization: `Bearer ${generateToken()}` } }, 401],
    ['a wrong subprotocol token', { protocols: ['phone-connector', `bearer.${generateToken()}`] }, 401],
    ['an empty subprotocol token', { protocols: ['phone-connector', 'bearer.'] }, 401],
    ['the token as the only subprotocol, with no protocol to answer', { protocols: ['bearer.TOKEN'] }, 400],
    ['a negative last_seq', { headers: { Authorization: 'Bearer TOKEN' }, query: '?last_seq=-1' }, 400],
    ['a last_seq that is not a number', { headers: { Authorization: 'Bearer TOKEN' }, query: '?last_seq=1%3B%20DROP' }, 400],
  ])('refuses the upgrade itself for %s', async (_case, options, status) => {
    const withToken = JSON.parse(JSON.stringify(options).replaceAll('TOKEN', ada.token)) as Parameters<typeof Client.refusal>[0];
    const refused = await Client.refusal(withToken);
    expect(refused.status).toBe(status);
    expect(refused.body).toEqual({ error: expect.any(String) });
    if (status === 401) expect(refused.headers['www-authenticate']).toBe('Bearer');
    expect(logs.filter((entry) => entry.msg === 'ws connected')).toEqual([]);
  });

  it('closes with 1009 on a message over 4 KiB', async () => {
    const client = await Client.open({ token: ada.token });
    client.ws.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(5000) }));
    expect((await client.closed).code).toBe(1009);
  });

  it('answers a plain GET on /ws with 426 and refuses upgrades elsewhere', async () => {
    expect((await fetch(`http://127.0.0.1:${relay.port}/ws`)).status).toBe(426);
    await expect(Client.open({ token: ada.token, path: '/socket' })).rejects.toThrow(/404/);
  });
});

describe('events', () => {
  // No heartbeat during these tests: on a busy machine the paused client below could miss a ping
  // before it fills its buffers, and be cut off for that instead of for not reading.
  beforeEach(() => start({ wsBufferLimit: 16 * 1024, heartbeatMs: 3_600_000 }));

  it('replays a long history in order, in batches, then goes live without a gap or a repeat', async () => {
    await makeEvents(250);
    const client = await Client.open({ token: ada.token, query: '?last_seq=0' });
    const live = makeEvents(20, 250);
    await live;
    // One more event once those are in: the relay sends in seq order, so when this one has
    // arrived, any gap or repeat before it has too.
    await makeEvents(1, 270);
    await client.until((c) => c.events.some((e) => e.seq === 271));
    expect(client.events.map((e) => e.seq)).toEqual(Array.from({ length: 271 }, (_, i) => i + 1));
    client.ws.close();
  }, 60_000);

  it('sends only live events without last_seq, and none of another agent', async () => {
    await addAgent('bob', '+14155550122');
    await makeEvents(2);
    const client = await Client.open({ token: ada.token });
    await client.until((c) => c.messages.length === 1);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', seq: 2 });
    await api('POST', '/calls', { instance: 'main', call_id: 'CAlive', to_number: '+14155550100' });
    await client.until((c) => c.events.length === 1);
    expect(client.events[0]).toMatchObject({ seq: 3, call: { call_id: 'CAlive' } });
    client.ws.close();
  });

  it('treats a last_seq beyond the history as a reset: nothing replayed, live continues', async () => {
    await makeEvents(1);
    const client = await Client.open({ token: ada.token, query: '?last_seq=99' });
    await client.until((c) => c.messages.length === 1);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', seq: 1 });
    await makeEvents(1, 1);
    await client.until((c) => c.events.length === 1);
    expect(client.events[0].seq).toBe(2);
    client.ws.close();
  });

  it('answers pings, reports unknown messages, and counts connections and push latency', async () => {
    const client = await Client.open({ token: ada.token });
    client.ws.send(JSON.stringify({ type: 'ping' }));
    client.ws.send('{"type":"subscribe"}');
    await client.until((c) => c.messages.length === 3);
    expect(client.messages.slice(1)).toEqual([{ type: 'pong' }, { type: 'error', error: expect.stringContaining('ping') }]);
    for (const message of client.messages) expect(serverMessageSchema.safeParse(message).error).toBeUndefined();
    await makeEvents(1);
    await client.until((c) => c.events.length === 1);
    const metrics = await (await fetch(`http://127.0.0.1:${relay.port}/metrics`)).text();
    expect(metrics).toContain('relay_ws_connected_agents 1');
    expect(metrics).toContain('relay_ws_connections 1');
    expect(metrics).toMatch(/relay_push_latency_seconds_count 1\n/);
    expect(metrics).toContain('relay_ws_events_sent_total{source="local"} 1\n');
    client.ws.close();
  });

  it('cuts off a client that stops reading (1006, the reason in the log), without delaying the others', async () => {
    const slow = await Client.open({ token: ada.token, query: '?last_seq=0' });
    const fast = await Client.open({ token: ada.token, query: '?last_seq=0' });
    await Promise.all([slow.until((c) => c.messages.length === 1), fast.until((c) => c.messages.length === 1)]);
    await makeEvents(1);
    await Promise.all([slow.until((c) => c.events.length === 1), fast.until((c) => c.events.length === 1)]);
    slow.ws.pause();
    const notes = 'n'.repeat(9_000);
    let sent = 1;
    // The kernel buffers several MB on loopback before anything queues in the relay.
    for (; sent < 1500; sent++) {
      expect((await api('PATCH', '/calls/1', { notes: `${sent}${notes}` })).notes).toHaveLength(notes.length + String(sent).length);
      if (sent % 20 === 0 && (await (await fetch(`http://127.0.0.1:${relay.port}/metrics`)).text()).includes('relay_ws_disconnects_total{reason="slow"} 1')) break;
    }
    expect(sent).toBeLessThan(1500);
    await fast.until((c) => c.events.length === sent + 1);
    expect(fast.events.map((e) => e.seq)).toEqual(Array.from({ length: sent + 1 }, (_, i) => i + 1));
    // It reads again at once, and still finds no close frame: there was no room for one behind its unread data.
    slow.ws.resume();
    expect((await slow.closed).code).toBe(1006);
    expect(logs.find((entry) => entry.msg === 'ws disconnected' && entry.reason === 'slow')).toMatchObject({ level: 'warn', agent: 'ada' });
    const seqs = slow.events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));

    // It resumes from the last event it got, and catches up.
    const resumed = await Client.open({ token: ada.token, query: `?last_seq=${seqs.at(-1)}` });
    await resumed.until((c) => c.events.length === sent + 1 - seqs.length);
    expect(resumed.events[0].seq).toBe(seqs.length + 1);
    fast.ws.close();
    resumed.ws.close();
  }, 120_000);
});

describe('away or available', () => {
  // Return times are checked every 100 ms rather than 10 s: the test below waits for one.
  beforeEach(() => start({ heartbeatMs: 3_600_000, awayReturnCheckMs: 100 }));

  it('makes an agent whose return time has come available again, and tells their sockets', async () => {
    const laptop = await Client.open({ token: ada.token });
    await laptop.until((c) => c.messages.length === 1);
    // As `relay agent away ada --for …` leaves it, on its own connection to the same database: back half a second from now.
    const cli = await openStore({ db: join(dir, 'relay.db') });
    await cli.updateAgent('ada', { awaySince: new Date().toISOString(), awayUntil: new Date(Date.now() + 500).toISOString() });
    await cli.close();
    const last = () => laptop.messages.filter((m) => m.type === 'agent').at(-1);
    await laptop.until(() => last() !== undefined && (last() as { agent: { away_since: string | null } }).agent.away_since === null);
    expect(last()).toEqual({ type: 'agent', agent: { id: 'ada', away_since: null, away_until: null } });
    expect(await relay.store.agentById('ada')).toMatchObject({ awaySince: null, awayUntil: null });
    expect(await api('GET', '/me')).toMatchObject({ away_since: null, away_until: null });
    laptop.ws.close();
  });

  it("tells every open socket of the agent when PATCH /me or another process (relay agent away) changes it, each as the schema says", async () => {
    const [laptop, desktop] = [await Client.open({ token: ada.token }), await Client.open({ token: ada.token })];
    const bob = await addAgent('bob', '+14155550122');
    const colleague = await Client.open({ token: bob.token });
    await Promise.all([laptop, desktop, colleague].map((c) => c.until((x) => x.messages.length === 1)));
    const agentMessages = (client: Client) => client.messages.filter((m) => m.type === 'agent');
    const since = (await api('PATCH', '/me', { away: true })).away_since as string;
    for (const client of [laptop, desktop]) await client.until((c) => agentMessages(c).length === 1);
    expect(agentMessages(laptop)).toEqual([{ type: 'agent', agent: { id: 'ada', away_since: since, away_until: null } }]);
    expect(serverMessageSchema.safeParse(agentMessages(desktop)[0]).success).toBe(true);
    // As `relay agent available` does it: its own connection to the same database.
    const cli = await openStore({ db: join(dir, 'relay.db') });
    await cli.updateAgent('ada', { awaySince: null });
    await cli.close();
    for (const client of [laptop, desktop]) await client.until((c) => agentMessages(c).length === 2);
    expect(agentMessages(desktop)[1]).toEqual({ type: 'agent', agent: { id: 'ada', away_since: null, away_until: null } });
    // Bob heard nothing of Ada.
    colleague.ws.send('{"type":"ping"}');
    await colleague.until((c) => c.messages.some((m) => m.type === 'pong'));
    expect(agentMessages(colleague)).toEqual([]);
    for (const client of [laptop, desktop, colleague]) client.ws.close();
  }, 30_000);
});

describe('removed agents', () => {
  // No heartbeat during the test: the socket must close because the removal was noticed.
  beforeEach(() => start({ heartbeatMs: 3_600_000 }));

  it('closes their sockets with 4401 as soon as another process removes them', async () => {
    const removed = await Client.open({ token: ada.token });
    const bob = await addAgent('bob', '+14155550122');
    const kept = await Client.open({ token: bob.token });
    await Promise.all([removed.until((c) => c.messages.length === 1), kept.until((c) => c.messages.length === 1)]);
    // As `relay agent remove` does it: its own connection to the same database.
    const cli = await openStore({ db: join(dir, 'relay.db') });
    expect(await cli.removeAgent('ada')).toBe(true);
    await cli.close();
    expect(await removed.closed).toEqual({ code: 4401, reason: 'the agent was removed' });
    kept.ws.send('{"type":"ping"}');
    await kept.until((c) => c.messages.some((m) => m.type === 'pong'));
    expect(kept.ws.readyState).toBe(WebSocket.OPEN);
    const metrics = await (await fetch(`http://127.0.0.1:${relay.port}/metrics`)).text();
    expect(metrics).toContain('relay_ws_disconnects_total{reason="agent_removed"} 1');
    kept.ws.close();
  }, 30_000);
});

describe('liveness', () => {
  // A heartbeat every second (30 s in production): a healthy client answers a ping long before
  // the next one even when the machine is busy; 50 ms was not enough for that.
  beforeEach(() => start({ heartbeatMs: 1000 }));

  it('drops a connection that does not answer pings, keeps one that does', async () => {
    const silent = await Client.open({ token: ada.token, ws: { autoPong: false } });
    const healthy = await Client.open({ token: ada.token });
    let pings = 0;
    healthy.ws.on('ping', () => pings++);
    expect((await silent.closed).code).toBe(1006);
    // Each beat drops the sockets that did not answer the previous ping and pings the others:
    // a ping after the silent one was dropped means the healthy one passed that same check.
    const seen = pings;
    await healthy.until(() => pings > seen);
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
    const metrics = await (await fetch(`http://127.0.0.1:${relay.port}/metrics`)).text();
    expect(metrics).toContain('relay_ws_disconnects_total{reason="heartbeat"} 1');
    expect(metrics).toContain('relay_ws_connections 1');
    healthy.ws.close();
  });
});

describe('shutdown', () => {
  // Far longer than the test may take: a shutdown that waited for this deadline to cut the
  // sockets would time the test out.
  beforeEach(() => start({ shutdownTimeoutMs: 3_600_000 }));

  it('closes sockets with 1001 on shutdown, without waiting for the shutdown deadline', async () => {
    const client = await Client.open({ token: ada.token });
    const browser = await Client.open({ protocols: ['phone-connector', `bearer.${ada.token}`] });
    await Promise.all([client.until((c) => c.messages.length === 1), browser.until((c) => c.messages.length === 1)]);
    await relay.close();
    expect((await client.closed).code).toBe(1001);
    expect((await browser.closed).code).toBe(1001);
  });
});

describe('what a connected agent keeps', () => {
  it("lets its upgrade request go once the socket is open: kept for the connection's life, it and its URL were some 2.5 KB of an idle agent's 6 (issue 13)", async () => {
    // A server of the relay's own parts, so that the test sees the upgrade request the relay got.
    const store = await openStore({ db: join(dir, 'relay.db') });
    const log = createLogger({ write: () => {} });
    const hub = new Hub({ store, metrics: new RelayMetrics(), log, bufferLimit: 1024 * 1024, heartbeatMs: 3_600_000, eventPollMs: 3_600_000, holds: () => false });
    const server = createServer();
    let upgrade: WeakRef<IncomingMessage> | undefined;
    server.on('upgrade', (request: IncomingMessage) => (upgrade = new WeakRef(request)));
    const wss = attachWebSocket(server, { store, hub, log });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const token = generateToken();
    await store.addAgent({ id: 'ada', name: 'ADA', number: '+14155550111', email: null, admin: false, tokenHash: hashToken(token), createdAt: new Date().toISOString() });
    const client = new Client(new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`, { headers: { Authorization: `Bearer ${token}` } }));
    try {
      await client.until((c) => c.messages.some((m) => m.type === 'welcome'));
      setFlagsFromString('--expose-gc');
      const collectGarbage = runInNewContext('gc') as () => void;
      // A WeakRef's target stays until the turn that made it is over: a few turns, each collected.
      let released = false;
      for (let turn = 0; turn < 10 && !released; turn++) {
        await new Promise((resolve) => setImmediate(resolve));
        collectGarbage();
        released = upgrade!.deref() === undefined;
      }
      expect(released).toBe(true);
      expect(client.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      client.ws.close();
      closeWebSockets(wss, 'test over');
      hub.stop();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    }
  });
});
