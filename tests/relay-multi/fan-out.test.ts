/**
 * Scale-out (issue 14) with real processes: two relays on one database, one test body for each
 * store. A webhook accepted by one relay reaches an agent connected to the other, once and in
 * seq order; an agent whose relay is killed resumes on the other with no gap and no duplicate;
 * the same webhook posted to both at once makes one call and one `created` event per agent; and
 * PostgreSQL restarted mid-run loses no event of a webhook the relays answered 2xx. Delivery times are measured and printed, not asserted (`pnpm bench` holds the figures).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../../relay-server/src/testing-postgres.ts';
import { percentiles } from '../bench/relay.ts';
import { AgentClient, api, type CallEvent, type RelayProcess, type TestAgent } from '../relay/harness.ts';
import { newSid } from '../simulators/twilio.ts';
import { ACCOUNT_SID, AUTH_TOKEN, addAgentTo, counter, incomingCall, placedCallStatus, type SharedStore, sharedStore, startRelayOn, type StoreKind, TEAM_NUMBER, twilioWebhook } from './harness.ts';

const STORES: StoreKind[] = ['sqlite', 'postgres'];
/** Webhooks whose delivery across relays is timed. */
const TIMED_WEBHOOKS = 200;
/** Webhooks sent while a relay is killed, or the database restarted. */
const KILL_WEBHOOKS = 120;

/**
 * `events` are one `created` event for each of `sids` and nothing else, seqs following `base` with no
 * gap and no repeat: each names the one before it as the agent's previous event (SQLite numbers call
 * events with one counter, so an agent's seqs skip the events it does not see).
 */
function expectExactlyOnceInOrder(events: readonly CallEvent[], base: number, sids: readonly string[]): void {
  expect(events.map((e) => e.prev_seq)).toEqual([base, ...events.slice(0, -1).map((e) => e.seq)]);
  expect(events.every((e, i) => e.seq > (i === 0 ? base : events[i - 1]!.seq))).toBe(true);
  expect(events).toHaveLength(sids.length);
  expect(events.every((e) => e.event === 'created')).toBe(true);
  expect(events.map((e) => e.call.call_id as string).sort()).toEqual([...sids].sort());
}

/** Resolves once the relay answered a ping: whatever it sent before (a late duplicate) has arrived. */
async function settled(client: AgentClient): Promise<void> {
  const pongs = client.messages.filter((m) => m.type === 'pong').length;
  client.ws.send('{"type":"ping"}');
  await client.waitFor((c) => c.messages.filter((m) => m.type === 'pong').length > pongs);
}

async function connected(relay: RelayProcess, agent: TestAgent, lastSeq: number | null = null): Promise<AgentClient> {
  const client = await AgentClient.connect(relay, agent.token, { lastSeq });
  await client.waitFor((c) => c.welcome !== undefined);
  return client;
}

/** Runs `send(0..count-1)` with `senders` at a time, as a provider's concurrent callbacks come. */
async function concurrently(count: number, senders: number, send: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: senders }, async () => {
    while (next < count) await send(next++);
  }));
}

describe.each(STORES)('two relays on one %s database', (kind) => {
  let store: SharedStore;
  let a: RelayProcess;
  let b: RelayProcess;
  let ada: TestAgent;
  let bob: TestAgent;
  let callbacks: { status: string; incoming: string };

  beforeAll(async () => {
    store = await sharedStore(kind);
    // Ada's instance is the team's number: its incoming calls ring every agent.
    ada = await addAgentTo(store, { name: 'Ada', number: '+14155550111', admin: true });
    bob = await addAgentTo(store, { name: 'Bob', number: '+14155550122' });
    [a, b] = await Promise.all([startRelayOn(store), startRelayOn(store)]);
    const put = await api(a, ada.token, 'PUT', '/instances/main', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TEAM_NUMBER } });
    expect(put.status).toBe(200);
    callbacks = put.body.callbacks;
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    store?.remove();
  });

  it('a webhook accepted by A reaches the agent connected to B, once each and in seq order', async () => {
    const onB = await connected(b, ada);
    const base = onB.welcome!.seq;
    const sentAt = new Map<string, number>();
    const deliveryMs: number[] = [];
    onB.ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; call?: { call_id: string } };
      const sent = message.type === 'call' ? sentAt.get(message.call!.call_id) : undefined;
      if (sent !== undefined) deliveryMs.push(performance.now() - sent);
    });
    const noticed = await counter(b, 'relay_ws_events_sent_total', 'source="notice"');
    for (let i = 0; i < TIMED_WEBHOOKS; i++) {
      const sid = newSid();
      sentAt.set(sid, performance.now());
      expect((await twilioWebhook(a, callbacks.status, placedCallStatus(sid))).status).toBe(200);
    }
    await onB.waitForEvents(TIMED_WEBHOOKS, 60_000);
    await settled(onB);
    expectExactlyOnceInOrder(onB.events, base, [...sentAt.keys()]);
    // B learnt of A's commits from the store's notices, not only from its safety-net poll.
    expect(await counter(b, 'relay_ws_events_sent_total', 'source="notice"')).toBeGreaterThan(noticed);
    console.info(`[${kind}] webhook to relay A -> agent on relay B, ${TIMED_WEBHOOKS} webhooks one after another: ${JSON.stringify(percentiles(deliveryMs))} ms`);
    await onB.close();
  });

  it('the same webhook posted to both relays at once makes one call and one created event per agent', async () => {
    const adaOnA = await connected(a, ada);
    const bobOnB = await connected(b, bob);
    const sids = Array.from({ length: 10 }, newSid);
    for (const sid of sids) {
      const answers = await Promise.all([twilioWebhook(a, callbacks.incoming, incomingCall(sid)), twilioWebhook(b, callbacks.incoming, incomingCall(sid))]);
      // Both are answered, and both ring the same agents.
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body).toMatch(/<Number [^>]*>\+14155550111<\/Number>/);
        expect(answer.body).toMatch(/<Number [^>]*>\+14155550122<\/Number>/);
      }
    }
    // Committed after every answer above: once it is in, a second event of theirs would be too.
    const last = newSid();
    expect((await twilioWebhook(b, callbacks.incoming, incomingCall(last))).status).toBe(200);
    for (const client of [adaOnA, bobOnB]) {
      await client.waitFor((c) => c.events.some((e) => e.call.call_id === last));
      await settled(client);
      expectExactlyOnceInOrder(client.events, client.welcome!.seq, [...sids, last]);
    }
    for (const [relay, agent] of [[a, ada], [b, bob]] as const) {
      const listed = await api<{ calls: Array<{ call_id: string }> }>(relay, agent.token, 'GET', '/calls?number=%2B14155550177&limit=200');
      const records = listed.body.calls.filter((call) => sids.includes(call.call_id));
      expect(records.map((call) => call.call_id).sort()).toEqual([...sids].sort());
    }
    await Promise.all([adaOnA.close(), bobOnB.close()]);
  });

  it('an agent whose relay is killed mid-stream resumes on the other relay with no gap and no duplicate', async () => {
    const doomed = await startRelayOn(store);
    try {
      const first = await connected(doomed, ada);
      const base = first.welcome!.seq;
      const sids = Array.from({ length: KILL_WEBHOOKS }, newSid);
      let killed = false;
      // Half the webhooks go to the doomed relay while it lives; one it does not answer is sent
      // again to A, as the provider retries and the load balancer picks a live relay.
      const sending = concurrently(KILL_WEBHOOKS, 4, async (index) => {
        const params = placedCallStatus(sids[index]!);
        let answer = await twilioWebhook(index % 2 === 0 && !killed ? doomed : a, callbacks.status, params);
        if (answer.status !== 200) answer = await twilioWebhook(a, callbacks.status, params);
        expect(answer.status).toBe(200);
      });
      await first.waitForEvents(KILL_WEBHOOKS / 4);
      await doomed.stop('SIGKILL');
      killed = true;
      await first.closed;
      await sending;
      const resumed = await connected(a, ada, first.lastSeq!);
      await resumed.waitFor((c) => first.events.length + c.events.length >= KILL_WEBHOOKS, 60_000);
      await settled(resumed);
      expectExactlyOnceInOrder([...first.events, ...resumed.events], base, sids);
      await resumed.close();
    } finally {
      await doomed.stop('SIGKILL');
    }
  });
});

describe('two relays on PostgreSQL, restarted mid-run', () => {
  // A server of this file's own: restarting the test run's would cut every other file's relays off.
  let postgres: TestPostgres;
  let store: SharedStore;
  let a: RelayProcess;
  let b: RelayProcess;
  let ada: TestAgent;
  let status: string;

  beforeAll(async () => {
    postgres = await startTestPostgres();
    store = await sharedStore('postgres', postgres.url);
    ada = await addAgentTo(store, { name: 'Ada', number: '+14155550111' });
    [a, b] = await Promise.all([startRelayOn(store), startRelayOn(store)]);
    const put = await api(a, ada.token, 'PUT', '/instances/main', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TEAM_NUMBER } });
    expect(put.status).toBe(200);
    status = put.body.callbacks.status;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await postgres?.stop();
  });

  it('delivers every event of a webhook answered 2xx once the database is back, once and in order', async () => {
    const onB = await connected(b, ada);
    const base = onB.welcome!.seq;
    const acknowledged: string[] = [];
    const refused = new Set<number>();
    const answered = async (relay: RelayProcess, sid: string) => {
      const answer = await twilioWebhook(relay, status, placedCallStatus(sid));
      if (answer.status === 200) acknowledged.push(sid);
      else refused.add(answer.status);
      return answer.status;
    };
    // Without retries: a webhook the relay could not store is the provider's to send again.
    const sending = concurrently(KILL_WEBHOOKS, 4, async (index) => void (await answered(index % 2 === 0 ? a : b, newSid())));
    await onB.waitForEvents(KILL_WEBHOOKS / 4);
    await postgres.restart();
    await sending;
    // Both relays take webhooks again once PostgreSQL is back (their pools reconnect).
    for (const relay of [a, b]) {
      const deadline = Date.now() + 60_000;
      while ((await answered(relay, newSid())) !== 200) {
        if (Date.now() > deadline) throw new Error(`relay ${relay.url} still refuses webhooks after the restart; its last lines:\n${relay.output.slice(-40).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await onB.waitFor((c) => acknowledged.every((sid) => c.events.some((e) => e.call.call_id === sid)), 60_000);
    await settled(onB);
    const seqs = onB.events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => base + i + 1));
    // A webhook refused while the database was away may still have committed (its answer lost): at most once each.
    expect(new Set(onB.events.map((e) => e.call.call_id)).size).toBe(onB.events.length);
    expect([...refused].every((code) => code === 0 || code === 503)).toBe(true);
    console.info(`[postgres restart] ${acknowledged.length} webhooks acknowledged, all delivered; refused with ${[...refused].join(', ') || 'none'}`);
    await onB.close();
  });
});
