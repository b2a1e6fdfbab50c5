/**
 * One relay vs two on one database (issue 14), on PostgreSQL and on SQLite beside it. Real
 * relay processes; 16 senders post signed new-call webhooks, each to the relays in turn, as a
 * load balancer spreads them. Two agents each own a Twilio instance and each is connected to
 * one relay (both to the one relay when it is alone); calls alternate between them so that,
 * with two relays, half the events are delivered by the relay that did not take the webhook.
 */
import { startTestPostgres } from '../../relay-server/src/testing-postgres.ts';
import { AgentClient, api, type RelayProcess, type TestAgent } from '../relay/harness.ts';
import { addAgentTo, ACCOUNT_SID, AUTH_TOKEN, counter, placedCallStatus, sharedStore, startRelayOn, type StoreKind, TEAM_NUMBER, twilioWebhook } from '../relay-multi/harness.ts';
import { newSid } from '../simulators/twilio.ts';
import { type Percentiles, percentiles } from './relay.ts';

export interface ScaleOutFigures {
  store: StoreKind;
  relays: number;
  calls: number;
  webhooksPerSecond: number;
  webhookMs: Percentiles;
  /** From sending the webhook to the agent's socket receiving the call's `created` event. */
  deliveryMs: Percentiles;
  /** The part of those events delivered by a relay other than the one that took the webhook. */
  crossed: number;
  /** Store transactions run again (a conflict between relays), per transaction, over every relay (/metrics). */
  rerunsPerTransaction: number;
}

export const SCALE_OUT_SETUPS: ReadonlyArray<{ store: StoreKind; relays: number }> = [
  { store: 'postgres', relays: 1 },
  { store: 'postgres', relays: 2 },
  { store: 'sqlite', relays: 1 },
  { store: 'sqlite', relays: 2 },
];

/** Every setup, on a PostgreSQL server of its own started for the run: the section of docs/benchmarks.md. */
export async function benchRelaysOnOneDatabase(options: { quick: boolean }): Promise<string> {
  const postgres = await startTestPostgres();
  try {
    const figures: ScaleOutFigures[] = [];
    for (const setup of SCALE_OUT_SETUPS) {
      const measured = await benchScaleOut({ ...setup, postgresUrl: postgres.url, calls: options.quick ? 300 : 2000 });
      console.log('relays on one database', JSON.stringify(measured));
      figures.push(measured);
    }
    return scaleOutSection(figures);
  } finally {
    await postgres.stop();
  }
}

export async function benchScaleOut(setup: { store: StoreKind; relays: number; postgresUrl: string; calls?: number; concurrency?: number }): Promise<ScaleOutFigures> {
  const { calls = 2000, concurrency = 16 } = setup;
  const store = await sharedStore(setup.store, setup.postgresUrl);
  const agents = [await addAgentTo(store, { name: 'Ada', number: '+14155550111' }), await addAgentTo(store, { name: 'Bob', number: '+14155550122' })];
  const relays: RelayProcess[] = [];
  const clients: AgentClient[] = [];
  try {
    for (let i = 0; i < setup.relays; i++) relays.push(await startRelayOn(store));
    const callbacks = await Promise.all(agents.map((agent) => statusCallback(relays[0]!, agent)));
    const sentAt = new Map<string, number>();
    const deliveryMs: number[] = [];
    for (const [index, agent] of agents.entries()) {
      const client = await AgentClient.connect(relays[index % relays.length]!, agent.token, { lastSeq: null });
      client.ws.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; event?: string; call?: { call_id: string } };
        const sent = message.type === 'call' && message.event === 'created' ? sentAt.get(message.call!.call_id) : undefined;
        if (sent !== undefined) deliveryMs.push(performance.now() - sent);
      });
      clients.push(client);
    }
    const webhookMs: number[] = [];
    let crossing = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < calls) {
          const index = next++;
          // Relays in turn; agents in pairs of calls, so each relay takes calls of both agents.
          const relay = index % relays.length;
          const owner = Math.floor(index / 2) % agents.length;
          if (relay !== owner % relays.length) crossing++;
          const sid = newSid();
          sentAt.set(sid, performance.now());
          const t0 = performance.now();
          const answer = await twilioWebhook(relays[relay]!, callbacks[owner]!, placedCallStatus(sid));
          if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}: ${answer.body}`);
          webhookMs.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // Polled, not AgentClient.waitFor: that checks on each message before this bench's own listener has counted it.
    const deadline = performance.now() + 60_000;
    while (deliveryMs.length < calls) {
      if (performance.now() > deadline) throw new Error(`${calls - deliveryMs.length} of ${calls} calls were never delivered within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sum = async (name: string) => (await Promise.all(relays.map((relay) => counter(relay, name)))).reduce((a, b) => a + b, 0);
    const reruns = await sum('relay_store_transaction_retries_total');
    const transactions = await sum('relay_store_transactions_total');
    return {
      store: setup.store,
      relays: setup.relays,
      calls,
      webhooksPerSecond: Math.round(calls / seconds),
      webhookMs: percentiles(webhookMs),
      deliveryMs: percentiles(deliveryMs),
      crossed: Number((crossing / calls).toFixed(2)),
      rerunsPerTransaction: Number((reruns / Math.max(transactions, 1)).toFixed(3)),
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(relays.map((relay) => relay.stop()));
    store.remove();
  }
}

/** Registers the agent's Twilio instance and returns its status callback (public URL). */
async function statusCallback(relay: RelayProcess, agent: TestAgent): Promise<string> {
  const put = await api<{ callbacks: { status: string } }>(relay, agent.token, 'PUT', '/instances/bench', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TEAM_NUMBER } });
  if (put.status !== 200) throw new Error(`PUT /instances/bench answered ${put.status}: ${JSON.stringify(put.body)}`);
  return put.body.callbacks.status;
}

/** The section of docs/benchmarks.md. */
export function scaleOutSection(figures: readonly ScaleOutFigures[]): string {
  const rows = figures.map(
    (f) =>
      `| ${f.store === 'postgres' ? 'PostgreSQL' : 'SQLite'} | ${f.relays} | ${f.webhooksPerSecond.toLocaleString('en-US')} | ${f.webhookMs.p50} / ${f.webhookMs.p99} | ${f.deliveryMs.p50} / ${f.deliveryMs.p99} | ${Math.round(f.crossed * 100)} % | ${f.rerunsPerTransaction} |`,
  );
  return `## Several relays on one database

Real relay processes on one database (tests/bench/relay-scale-out.ts): ${figures[0]?.calls ?? 0} signed new-call webhooks from 16 concurrent senders, spread over the relays in turn; two agents, each connected to one relay, each call for one of them. Delivery is from sending the webhook to the agent's socket receiving the event; "crossed" is the part of events delivered by a relay other than the one that took the webhook (through the store's notice and one read); "reruns per transaction" is how often a store transaction ran again after a conflict between relays (/metrics \`relay_store_transaction_retries_total\` over \`relay_store_transactions_total\`). The test PostgreSQL runs with fsync off; SQLite syncs every commit to disk before its answer. Two relays on SQLite see each other's commits by polling SQLite's change counter (500 ms).

| store | relays | webhooks/s | webhook p50 / p99 ms | delivery p50 / p99 ms | crossed | reruns per transaction |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`;
}
