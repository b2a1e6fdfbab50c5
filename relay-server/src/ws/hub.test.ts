/**
 * The hub on a real store shared with "another relay" (a second store on the same database):
 * events that relay commits reach this relay's sockets on its notice, or on the hub's own poll
 * when no notice comes; an agent it removes is disconnected.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createLogger } from '../log.ts';
import { RelayMetrics } from '../metrics.ts';
import type { Agent, Call, RelayStore } from '../store/index.ts';
import { LISTENER_NAME } from '../store/postgres/change-listener.ts';
import { openPostgresStore, type PostgresStoreOptions } from '../store/postgres/store.ts';
import { freshDatabase, sqlOn } from '../testing-postgres.ts';
import { Hub, type HubOptions } from './hub.ts';

const AT = new Date(Date.UTC(2026, 10, 30, 10)).toISOString();
/** A call as events carry it: the hub never looks inside, so a number tells them apart. */
const call = (n: number) => ({ n }) as unknown as Call;

let url: string;
let here: RelayStore;
let elsewhere: RelayStore;
let hub: Hub;
let metrics: RelayMetrics;
let server: WebSocketServer;
let ada: Agent;
const clients: WebSocket[] = [];
/** Agents whose events this relay keeps back (a new call waiting for its CRM contact). */
const held = new Set<string>();

async function open(options: { store?: PostgresStoreOptions; hub?: Partial<HubOptions> } = {}): Promise<void> {
  [here, elsewhere] = await Promise.all([openPostgresStore(url, options.store), openPostgresStore(url, options.store)]);
  ada = await elsewhere.addAgent({ id: 'ada', name: 'Ada', number: '+14155550111', email: null, admin: false, tokenHash: 'hash-ada', createdAt: AT });
  metrics = new RelayMetrics();
  hub = new Hub({ store: here, metrics, log: createLogger({ write: () => {} }), bufferLimit: 1024 * 1024, heartbeatMs: 60_000, eventPollMs: 60_000, holds: (agentId) => held.has(agentId), ...options.hub });
  // The hub listens from its start, but the store's LISTEN connection opens in the background: what commits before it is up is no one's notice.
  const listening = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = '${LISTENER_NAME}' AND datname = current_database()`;
  await until(async () => (await sqlOn(url, listening)).rows[0].n === 1, 'the LISTEN connection');
}

/** A client of this relay's hub, collecting what it receives. */
async function connect(lastSeq: number | null, agent = ada) {
  const accepted = new Promise<[WebSocket, IncomingMessage]>((resolve) => server.once('connection', (ws, request) => resolve([ws, request])));
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  clients.push(ws);
  const client = { messages: [] as Array<{ type: string; seq: number; call?: { n: number } }>, closed: new Promise<number>((resolve) => ws.once('close', resolve)) };
  ws.on('message', (data) => client.messages.push(JSON.parse(data.toString())));
  const [relaySide, request] = await accepted;
  hub.attach(relaySide, request.socket, agent, lastSeq);
  await until(() => client.messages.some((m) => m.type === 'welcome'), 'the welcome');
  return client;
}

/** Another relay records `count` events for Ada, one commit each. */
async function commitElsewhere(count: number, from = 1): Promise<void> {
  for (let n = from; n < from + count; n++) await elsewhere.transaction((tx) => tx.appendEvents([{ agentId: 'ada', kind: 'created' }], call(n), AT));
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const counted = async (name: string, labels: string) => Number((await metrics.render()).match(new RegExp(`${name}\\{${labels}\\} (\\d+)`))?.[1] ?? 0);
const sent = (source: string) => counted('relay_ws_events_sent_total', `source="${source}"`);

beforeEach(async () => {
  url = await freshDatabase('hub');
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
});

afterEach(async () => {
  for (const ws of clients.splice(0)) ws.terminate();
  held.clear();
  hub?.stop();
  await Promise.all([here?.close(), elsewhere?.close()]);
  await new Promise((resolve) => server.close(resolve));
});

describe('Hub across relays', () => {
  it('delivers events another relay committed on its notice, once each and in seq order', async () => {
    await open();
    const client = await connect(0);
    await commitElsewhere(5);
    await until(() => client.messages.filter((m) => m.type === 'call').length >= 5, 'five events');
    const events = client.messages.filter((m) => m.type === 'call');
    expect(events.map((m) => [m.seq, m.call!.n])).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
    expect((await sent('notice')) + (await sent('gap'))).toBe(5);
    expect(await sent('poll')).toBe(0);
  });

  it('interleaves its own events with another relay\'s for one agent without a gap or a repeat', async () => {
    await open();
    const client = await connect(0);
    for (let round = 0; round < 10; round++) {
      await commitElsewhere(1);
      // This relay's own commit, handed to the hub as the webhook's path does.
      hub.publish(await here.transaction((tx) => tx.appendEvents([{ agentId: 'ada', kind: 'created' }], call(100 + round), AT)));
    }
    await until(() => client.messages.filter((m) => m.type === 'call').length >= 20, 'twenty events');
    expect(client.messages.filter((m) => m.type === 'call').map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('finds, by its own poll, events no notice announced', async () => {
    // The store's own safety net far away, and the commits made by hand, with no NOTIFY.
    await open({ store: { changePollMs: 600_000 }, hub: { eventPollMs: 50 } });
    const client = await connect(0);
    await sqlOn(url, `UPDATE agents SET last_seq = 2 WHERE id = 'ada'`);
    await sqlOn(
      url,
      `WITH snapshot AS (INSERT INTO call_snapshots (call, created_at) VALUES ('{"n":1}', '${AT}'), ('{"n":2}', '${AT}') RETURNING id, call)
       INSERT INTO events (agent_id, seq, kind, snapshot_id) SELECT 'ada', (call::json ->> 'n')::int, 'created', id FROM snapshot`,
    );
    await until(() => client.messages.filter((m) => m.type === 'call').length >= 2, 'two events');
    expect(client.messages.filter((m) => m.type === 'call').map((m) => m.seq)).toEqual([1, 2]);
    expect(await sent('poll')).toBe(2);
  });

  it('polls for a socket once it stood still since the last poll, not while its events flow', async () => {
    await open({ store: { changePollMs: 600_000 }, hub: { eventPollMs: 20 } });
    // Bob hears of nothing: once connected, every poll asks for him, and shows whether it asked for Ada (her seq) or not.
    const bob = await here.addAgent({ id: 'bob', name: 'Bob', number: '+14155550122', email: null, admin: false, tokenHash: 'hash-bob', createdAt: AT });
    const polls: Array<number | undefined> = [];
    const read = here.eventsAfterEach.bind(here);
    here.eventsAfterEach = (after, limit) => {
      if (after.has('bob')) polls.push(after.get('ada'));
      return read(after, limit);
    };
    await connect(0, bob);
    await until(() => polls.length > 0, 'a poll for Bob');
    const client = await connect(0);
    await until(() => polls.includes(0), 'a poll for Ada');
    hub.publish(await here.transaction((tx) => tx.appendEvents([{ agentId: 'ada', kind: 'created' }], call(1), AT)));
    await until(() => polls.includes(1), 'a poll for Ada after her event');
    expect(client.messages.filter((m) => m.type === 'call').map((m) => m.seq)).toEqual([1]);
    // Left out of the first poll after her event went out (whichever way it went: a poll between its commit and its hand-over may take it), then asked again.
    expect(polls.slice(polls.lastIndexOf(0) + 1, polls.indexOf(1))).toEqual([undefined]);
  });

  it('leaves an agent whose events it holds back to the release, then fills in what another relay committed meanwhile', async () => {
    await open();
    const client = await connect(0);
    held.add('ada');
    const local = await here.transaction((tx) => tx.appendEvents([{ agentId: 'ada', kind: 'created' }], call(1), AT));
    await commitElsewhere(1, 2);
    await until(async () => (await counted('relay_store_change_notices_total', 'change="events"')) >= 1, 'the notice');
    expect(client.messages.filter((m) => m.type === 'call')).toEqual([]);
    // Released with the contact found meanwhile: the event goes out as released, then the other relay's.
    held.delete('ada');
    hub.publish(local.map((event) => ({ ...event, call: '{"n":1,"contact":"Grace"}' })));
    await until(() => client.messages.filter((m) => m.type === 'call').length >= 2, 'two events');
    expect(client.messages.filter((m) => m.type === 'call').map((m) => [m.seq, m.call])).toEqual([[1, { n: 1, contact: 'Grace' }], [2, { n: 2 }]]);
  });

  it("tells an agent's sockets that another relay made them away, then available, and nothing of another change", async () => {
    await open();
    const client = await connect(null);
    const agentMessages = () => client.messages.filter((m) => m.type === 'agent');
    await elsewhere.updateAgent('ada', { awaySince: AT });
    await until(() => agentMessages().length === 1, 'the change');
    expect(agentMessages()).toEqual([{ type: 'agent', agent: { id: 'ada', away_since: AT, away_until: null } }]);
    // A change of something else (a profile field), then back: the second message alone follows.
    await elsewhere.updateAgent('ada', { profile: { country: 'US' } });
    await elsewhere.updateAgent('ada', { awaySince: null });
    await until(() => agentMessages().length === 2, 'the second change');
    expect(agentMessages()[1]).toEqual({ type: 'agent', agent: { id: 'ada', away_since: null, away_until: null } });
    // This relay's own change (PATCH /me) is told at once, once (a check that reads it later finds nothing new).
    const away = (await here.updateAgent('ada', { awaySince: AT }))!;
    hub.agentChanged(away);
    hub.agentChanged(away);
    await until(() => agentMessages().length === 3, 'the change made here');
    client.messages.length = 0;
    await commitElsewhere(1);
    await until(() => client.messages.some((m) => m.type === 'call'), 'an event after it');
    expect(agentMessages()).toEqual([]);
  });

  it('closes the sockets of an agent another relay removed', async () => {
    await open();
    const client = await connect(null);
    await elsewhere.removeAgent('ada');
    expect(await client.closed).toBe(4401);
  });
});
