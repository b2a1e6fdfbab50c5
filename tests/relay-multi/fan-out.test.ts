/**
 * Scale-out (issue 14) with real processes: two relays on one database, one test body for each
 * store. A webhook accepted by one relay reaches an agent connected to the other, once and in
 * seq order; an agent whose relay is killed resumes on the other with no gap and no duplicate;
 * the same webhook posted to both at once makes one call and one `created` event per agent.
 * Delivery times are measured and printed, not asserted (`pnpm bench` holds the figures).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentiles } from '../bench/relay.ts';
import { AgentClient, api, type CallEvent, type RelayProcess, type TestAgent } from '../relay/harness.ts';
import { newSid } from '../simulators/twilio.ts';
import { ACCOUNT_SID, AUTH_TOKEN, addAgentTo, counter, incomingCall, placedCallStatus, type SharedStore, sharedStore, startRelayOn, type StoreKind, TEAM_NUMBER, twilioWebhook } from './harness.ts';

const STORES: StoreKind[] = ['sqlite'];
/** Webhooks whose delivery across relays is timed. */
const TIMED_WEBHOOKS = 200;
/** Webhooks sent while a relay is killed. */
const KILL_WEBHOOKS = 120;

/** `events` are one `created` event for each of `sids` and nothing else, seqs following `base` with no gap and no repeat. */
function expectExactlyOnceInOrder(events: readonly CallEvent[], base: number, sids: readonly string[]): void {
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: sids.length }, (_, i) => base + i + 1));
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
        expect(answer.body).toContain('<Number>+14155550111</Number>');
        expect(answer.body).toContain('<Number>+14155550122</Number>');
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
