/**
 * One relay vs two on one database (issue 14), on PostgreSQL and on SQLite beside it. Real
 * relay processes; 16 senders post signed new-call webhooks with the throughput bench's client
 * (webhook-load.ts: bodies and signatures built before the clock starts, each sender one
 * kept-alive connection), the senders' connections spread over the relays in turn, as a load
 * balancer keeps each on one relay. Two agents each own a Twilio instance and each is connected
 * to one relay (both to the one relay when it is alone); calls alternate between them in pairs so
 * that, with two relays, about half the events are delivered by the relay that did not take the
 * webhook. A warm-up of the same calls runs before the measured ones.
 */
import { startTestPostgres } from '../../relay-server/src/testing-postgres.ts';
import { api, type RelayProcess, type TestAgent } from '../relay/harness.ts';
import { addAgentTo, ACCOUNT_SID, AUTH_TOKEN, counter, placedCallStatus, sharedStore, startRelayOn, type StoreKind, TEAM_NUMBER } from '../relay-multi/harness.ts';
import { BenchSocket } from './bench-socket.ts';
import { describeCloses } from './relay-throughput.ts';
import { benchCallSid, type Percentiles, percentiles, until } from './relay.ts';
import { postWebhooks, type SignedWebhook, signWebhooks } from './webhook-load.ts';

export interface ScaleOutFigures {
  store: StoreKind;
  relays: number;
  calls: number;
  /** Calls sent before the measured ones, not measured. */
  warmUp: number;
  webhooksPerSecond: number;
  webhookMs: Percentiles;
  /** From sending the webhook to the agent's socket receiving the call's `created` event. */
  deliveryMs: Percentiles;
  /** The part of those events delivered by a relay other than the one that took the webhook. */
  crossed: number;
  /** Store transactions run again (a conflict between relays), per transaction of the measured calls, over every relay (/metrics). */
  rerunsPerTransaction: number;
}

export const SCALE_OUT_SETUPS: ReadonlyArray<{ store: StoreKind; relays: number }> = [
  { store: 'postgres', relays: 1 },
  { store: 'postgres', relays: 2 },
  { store: 'sqlite', relays: 1 },
  { store: 'sqlite', relays: 2 },
];

/** Calls sent through every relay before the measured ones: the JIT and the caches warm up (relay-throughput.ts's warm-up, one round of fewer calls). */
export const SCALE_OUT_WARM_UP = 1000;

/** The longest every event may take to reach the agents' sockets once the webhooks are answered. */
const DELIVERY_DEADLINE_MS = 60_000;

/** Every setup, on a PostgreSQL server of its own started for the run: the section of docs/benchmarks.md. */
export async function benchRelaysOnOneDatabase(options: { quick: boolean }): Promise<string> {
  const postgres = await startTestPostgres();
  try {
    const figures: ScaleOutFigures[] = [];
    for (const setup of SCALE_OUT_SETUPS) {
      const measured = await benchScaleOut({ ...setup, postgresUrl: postgres.url, ...(options.quick ? { calls: 300, warmUp: 200 } : {}) });
      console.log('relays on one database', JSON.stringify(measured));
      figures.push(measured);
    }
    return scaleOutSection(figures);
  } finally {
    await postgres.stop();
  }
}

/** The agent whose instance call `index` is for: agents in pairs of calls, so each relay takes calls of both. */
export function callOwner(index: number, agents: number): number {
  return Math.floor(index / 2) % agents;
}

/** The part of the calls whose webhook a relay took (`takenBy`) other than the one their owner's socket is on (agent `a` on relay `a mod relays`). */
export function crossedShare(takenBy: readonly number[], owners: readonly number[], relays: number): number {
  const crossing = takenBy.filter((relay, index) => relay !== owners[index]! % relays).length;
  return takenBy.length === 0 ? 0 : crossing / takenBy.length;
}

export async function benchScaleOut(setup: { store: StoreKind; relays: number; postgresUrl?: string; calls?: number; warmUp?: number; concurrency?: number }): Promise<ScaleOutFigures> {
  const { calls = 2000, warmUp = SCALE_OUT_WARM_UP, concurrency = 16 } = setup;
  const store = await sharedStore(setup.store, setup.postgresUrl);
  const agents = [await addAgentTo(store, { name: 'Ada', number: '+14155550111' }), await addAgentTo(store, { name: 'Bob', number: '+14155550122' })];
  const relays: RelayProcess[] = [];
  const sockets: BenchSocket[] = [];
  try {
    for (let i = 0; i < setup.relays; i++) relays.push(await startRelayOn(store));
    const callbacks = await Promise.all(agents.map((agent) => statusCallback(relays[0]!, agent)));
    for (const [index, agent] of agents.entries()) sockets.push(await BenchSocket.connect(relays[index % relays.length]!.url, agent.token));
    let nextCall = 0;
    /** Signs `count` new calls, then posts them and waits until each reached its owner's socket. */
    const sendCalls = async (count: number) => {
      const first = nextCall;
      nextCall += count;
      const webhooks = await signCalls(callbacks, first, count);
      const owners = webhooks.map((_, index) => callOwner(first + index, agents.length));
      const owner = (index: number) => sockets[owners[index]!]!;
      const run = await postWebhooks(relays.map((relay) => relay.url), webhooks, concurrency);
      const arrived = (webhook: SignedWebhook, index: number) => owner(index).arrival(webhook.callId) !== undefined;
      if (!(await until(() => webhooks.every(arrived), DELIVERY_DEADLINE_MS))) {
        throw new Error(`${webhooks.filter((w, i) => !arrived(w, i)).length} of ${count} calls were never delivered within ${DELIVERY_DEADLINE_MS / 1000} s; ${sockets.map((socket) => describeCloses(socket.closes)).join('; ')}`);
      }
      return { run, owners, deliveryMs: webhooks.map((webhook, index) => owner(index).arrival(webhook.callId)! - run.sentAt.get(webhook.callId)!) };
    };
    await sendCalls(warmUp);
    const sum = async (name: string) => (await Promise.all(relays.map((relay) => counter(relay, name)))).reduce((a, b) => a + b, 0);
    const rerunsBefore = await sum('relay_store_transaction_retries_total');
    const transactionsBefore = await sum('relay_store_transactions_total');
    const { run, owners, deliveryMs } = await sendCalls(calls);
    const reruns = (await sum('relay_store_transaction_retries_total')) - rerunsBefore;
    const transactions = (await sum('relay_store_transactions_total')) - transactionsBefore;
    return {
      store: setup.store,
      relays: setup.relays,
      calls,
      warmUp,
      webhooksPerSecond: Math.round(calls / run.seconds),
      webhookMs: percentiles(run.roundTripMs),
      deliveryMs: percentiles(deliveryMs),
      crossed: Number(crossedShare(run.takenBy, owners, relays.length).toFixed(2)),
      rerunsPerTransaction: Number((reruns / Math.max(transactions, 1)).toFixed(3)),
    };
  } finally {
    for (const socket of sockets) socket.close();
    await Promise.all(relays.map((relay) => relay.stop()));
    store.remove();
  }
}

/** New-call status webhooks `first` to `first + count - 1`, each signed for its owner's status callback, in that order. */
async function signCalls(callbacks: readonly string[], first: number, count: number): Promise<SignedWebhook[]> {
  const indexes = Array.from({ length: count }, (_, i) => first + i);
  const signed = await Promise.all(callbacks.map((callback, agent) => signWebhooks(callback, AUTH_TOKEN, indexes.filter((index) => callOwner(index, callbacks.length) === agent).map((index) => placedCallStatus(benchCallSid(index))))));
  const taken = callbacks.map(() => 0);
  return indexes.map((index) => {
    const agent = callOwner(index, callbacks.length);
    return signed[agent]![taken[agent]!++]!;
  });
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

Real relay processes on one database (tests/bench/relay-scale-out.ts), sent to as "Relay throughput, against a bare forwarder" sends to one relay: ${figures[0]?.calls ?? 0} new-call status webhooks whose bodies and signatures are built before the clock starts, from 16 concurrent senders each with one kept-alive connection (the bench's HTTP/1.1 client, tests/bench/webhook-connection.ts), the senders' connections spread over the relays in turn, as a load balancer keeps each connection on one relay. Before them, ${(figures[0]?.warmUp ?? 0).toLocaleString('en-US')} calls of the same kind go through every relay the same way and are not measured (the JIT and the caches warm up). Two agents, each connected to one relay, each call for one of them. Delivery is from sending the webhook to the agent's socket receiving the event; "crossed" is the part of events delivered by a relay other than the one that took the webhook (through the store's notice and one read); "reruns per transaction" is how often a store transaction of the measured calls ran again after a conflict between relays (/metrics \`relay_store_transaction_retries_total\` over \`relay_store_transactions_total\`). The test PostgreSQL (relay-server/src/testing-postgres.ts) is a local server started for the run with fsync and full_page_writes off, its other settings the defaults; SQLite syncs every commit to disk before its answer. Two relays on SQLite see each other's commits by polling SQLite's change counter (500 ms). The rates compare one relay with two on this 2-core machine, where the senders, the relays and PostgreSQL share the two cores: a second relay adds no core here, only the work of sharing the store. One relay's ceiling, with the same client, is in "Relay throughput, against a bare forwarder". Where one relay's webhook goes on PostgreSQL (s43, through a proxy counting the relay's flights to the server, at load 5 to 7): about 2.4 round trips per new call (the guard's instance kept in memory; BEGIN with the call's read; the insert, links, append, NOTIFY and COMMIT sent together), some 1.0 ms of the relay's CPU and 1.05 ms of PostgreSQL's sessions' CPU, 2.1 ms between them, so two cores take at most some 950 webhooks/s there before the senders' share (before s43's cuts: 5.4 round trips, 1.25 and 1.4 ms, some 750 webhooks/s). Since s44 a relay's transactions on PostgreSQL commit in batches, as SQLite's transaction queue does (relay-server/src/store/postgres/transaction-batches.ts): those that reach a relay in one turn of its event loop, or while its batch before is in flight, share one transaction on one connection, one batch at a time; their reads leave in one write behind one BEGIN, then their inserts and links, and their events appended in one statement that locks every agent's row of the batch at once, in id order (an append per webhook locked them webhook by webhook, and two relays' batches deadlocked: webhook p99 1,063 ms, PostgreSQL's deadlock check waiting a second), with one NOTIFY and COMMIT behind it. A webhook whose work fails rolls its batch back and each webhook of the batch runs again alone, the failing one failing by itself (a savepoint each would be a subtransaction on every webhook, to spare a rerun on the rare one that fails); two of one batch on the same call, or on one CRM account's rate places, make it run alone so. Against main, alternating (a driver outside the tree: these steps, 1,500 webhooks after 800 of warm-up, the relays' and every PostgreSQL process's CPU from /proc over the measured calls; load 5.5 to 11.7): one relay (4 pairs) 194 -> 703, 352 -> 444, 306 -> 431, 347 -> 780 webhooks/s (median ×1.83), the relay's CPU per webhook 1.15 -> 0.75 ms (medians; ×0.66), PostgreSQL's 1.49 -> 0.42 ms (×0.26), the relay's write system calls per webhook 4.1 -> 2.0; two relays (4 pairs) 136 -> 305, 169 -> 228, 311 -> 501, 272 -> 527 (×1.77), the relays' CPU 1.97 -> 1.37 ms (×0.77), PostgreSQL's 2.10 -> 0.86 ms (×0.45). The relays' flights to PostgreSQL, counted through a proxy in the senders' process (2 pairs, load 5.6 to 8): 2.25 -> 0.27 per webhook with one relay, 2.6 -> 0.8 with two; through that slow proxy one batch in flight took fewer webhooks/s than main's ten connections (167 / 172 against 226 / 266 with one relay). Measured and dropped: two batches in flight at once (each smaller: the relay's CPU ×0.80 / ×0.81 and PostgreSQL's ×0.37 / ×0.38 against main, 2 pairs, load 7 to 9), and the next batch begun once the one before has sent its COMMIT rather than once it is answered (against one batch at a time, 2 pairs, load 8.6 to 9.5: one relay ×1.11 / ×1.20 webhooks/s, PostgreSQL's CPU ×1.10 / ×1.22; two relays ×0.93 / ×0.73; through the proxy ×1.14 / ×1.30: not separated). A database farther away (tests/bench/postgres-distance-probe.ts: this batching relay against s43's, alternately, each run in a process of its own, PostgreSQL behind a proxy in a process of its own that holds every chunk 1 or 5 ms each way; load 1.5 to 2.5): 1 ms, 16 senders, 591 -> 800, 695 -> 822, 711 -> 692 webhooks/s (median ×1.18); 5 ms, 16 senders, 310 -> 278, 328 -> 278, 336 -> 296 (×0.88: a batch takes three round trips where a transaction per connection took two, each of ten connections at once), p99 63 to 88 -> 63 to 68 ms; 5 ms, 48 senders, 370 -> 709 and 360 -> 726 (×1.9: ten connections cap a transaction per connection, a batch grows with the load). Since s45, a second batch in flight while the database is far (relay-server/src/store/postgres/round-trip-floor.ts): a relay times each transaction's BEGIN to its answer, and while the shortest of the last 64 to 127 is 3 ms or more it begins the next batch on another connection while the one before is out; that batch's reads, inserts and links go out meanwhile, its append waits in PostgreSQL for the agents' rows the first holds (locked in id order, so no deadlock between them, and each agent's seqs still commit in order and without gaps; a socket that hears the second's events first finds a gap and reads the log, as for another relay's events), and of a new call that both insert, the later waits on the unique key until the other commits, then fails and its webhooks run again alone, one transaction more each (relay-server/src/store/postgres/transaction-batches.test.ts). Two batches of one relay that lock two calls in opposite orders (a work reading a second call after its first round trip) deadlock as two relays' batches do: PostgreSQL breaks it after deadlock_timeout (1 s) and the batch it cancels runs again, each webhook alone; the webhooks here read one call each, in their first round trip. Counted in the relay before (5 ms each way, 16 senders, load 5 to 8): a batch is two writes, not three (BEGIN with the reads; then the inserts, links, append, NOTIFY and COMMIT, 12 to 19 ms later), 26 to 44 ms a batch, 9 webhooks on average, alternating 2 and 14: the senders split into two groups, each waiting for the other's batch. The shortest BEGIN: on loopback at load 8, 0.52 ms over 199 batches, a tenth under 1.4 ms, the median 3.1 ms; each span's shortest through the proxy 1.78 to 2.32 ms at 1 ms each way (once 3.09 of 8 spans), 3.5 to 4.8 ms at 2 ms. The distance probe now also reads the relays' and PostgreSQL's CPU per measured webhook (/proc) and takes \`--delay 0\` (no proxy: the bench's setup, 1,500 webhooks after 800). Against main, alternating, 16 senders: 5 ms, 3 pairs at load 4.3 to 7.1, 214 -> 332, 284 -> 352, 282 -> 372 webhooks/s (median ×1.32; 3 more pairs at load 4.8 to 5.3, ×1.62, ×1.51, ×1.08), p50 55 to 66 -> 43 to 47 ms, p99 65 to 203 -> 62 to 71 ms, the relay's CPU per webhook ×1.09, PostgreSQL's ×1.39 (smaller batches); 5 ms, 48 senders (2 pairs, load 2.9 to 4.3), 646 -> 720, 492 -> 587 (×1.11, ×1.19), PostgreSQL's CPU ×1.36, ×1.33; 5 ms, two relays (5 pairs, load 3.3 to 4), ×1.16 to ×1.70 (median ×1.35), p50 53 to 65 -> 36 to 51 ms, the relays' CPU ×1.00, PostgreSQL's ×1.29; 2 ms, every database counted far (3 pairs, load 4.8 to 5), 450 -> 547, 365 -> 687, 362 -> 460 (×1.27), PostgreSQL's CPU ×1.17; 1 ms, near (5 pairs, load 3.2 to 7.1), ×0.80 to ×1.61 (median ×0.94, not separated: main's code but the round trip's timing); 0 ms, one relay (9 pairs, load 3 to 7.1) ×0.80 to ×1.21 webhooks/s (median ×1.03; the first 3, 666 -> 733, 549 -> 575, 516 -> 470, the relay's CPU ×1.03, PostgreSQL's ×1.02), each span's shortest BEGIN 0.32 to 0.67 ms (3 of the pairs, load 3 to 5): one batch at a time, main's code; two relays (6 pairs, load 3.4 to 7.1) ×0.94 to ×1.46 (median ×1.02). Measured and dropped: a 1 ms threshold (at 1 ms each way, 3 pairs, ×1.18, ×0.88, ×1.06 webhooks/s, PostgreSQL's CPU ×1.33 to ×1.42, where it shares the relay's two cores; on loopback a loaded relay's shortest BEGIN of a span passed 1 ms, one pair ×0.67 with PostgreSQL's CPU ×1.37); two batches in flight always (0 ms, 2 pairs: ×1.02 and ×0.81 webhooks/s, PostgreSQL's CPU ×1.33 and ×1.53); four in flight at 5 ms, no better than two (2 pairs each against main: ×1.54 and ×1.10, against ×1.34 and ×1.27).

| store | relays | webhooks/s | webhook p50 / p99 ms | delivery p50 / p99 ms | crossed | reruns per transaction |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`;
}
