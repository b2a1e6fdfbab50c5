/**
 * The relay bench's load generator: signed Twilio webhooks posted by concurrent senders over
 * keep-alive connections. Everything a sender would compute per webhook (the form body, the
 * HMAC signature, the request's bytes) is computed before the clock starts, and each sender
 * has one connection of its own (webhook-connection.ts: a lean HTTP/1.1 client on a TCP
 * socket), so the generator spends per webhook little more than the writes and reads: the same small cost
 * against the relay and against the bare forwarder, whose rate shows how much the generator
 * can send at most.
 */
import { computeTwilioSignature } from '@phone-connector/shared';
import { postRequest, WebhookConnection } from './webhook-connection.ts';

export interface SignedWebhook {
  /** The call the webhook tells of (its `CallSid`): how the bench's sockets recognise its event. */
  callId: string;
  /** Path and query of the callback URL. */
  path: string;
  body: string;
  signature: string;
}

export interface LoadRun {
  seconds: number;
  /** Per webhook, in the order sent: POST written -> answer read (ms). */
  roundTripMs: number[];
  /** When each call's webhook was sent (performance.now()), by call id: the start of its push latency. */
  sentAt: Map<string, number>;
  /** CPU this process (the generator and the bench's sockets) spent during the run. */
  generatorCpuMs: number;
  /** Per webhook, in the order given: the index of the origin that took it. */
  takenBy: number[];
}

/** Signs each payload for `callbackUrl` as Twilio would (the URL it called plus the sorted form fields). */
export async function signWebhooks(callbackUrl: string, authToken: string, payloads: Array<Record<string, string> & { CallSid: string }>): Promise<SignedWebhook[]> {
  const url = new URL(callbackUrl);
  return Promise.all(
    payloads.map(async (params) => ({
      callId: params.CallSid,
      path: url.pathname + url.search,
      body: new URLSearchParams(params).toString(),
      signature: await computeTwilioSignature(authToken, callbackUrl, params),
    })),
  );
}

/**
 * Runs \`send(i)\` for each i below \`count\`, \`senders\` at a time, each batch together: in process, a
 * burst of that many senders' webhooks as the relay's group commit takes it.
 */
export async function inSenderBatches(count: number, senders: number, send: (i: number) => Promise<unknown>): Promise<void> {
  for (let first = 0; first < count; first += senders) {
    await Promise.all(Array.from({ length: Math.min(senders, count - first) }, (_, k) => send(first + k)));
  }
}

/** A webhook's request to `origin`, as node:http would have sent it (Host, Content-Type, Content-Length, X-Twilio-Signature). */
export function webhookRequest(origin: URL, webhook: SignedWebhook): Buffer {
  return postRequest(origin.host, webhook.path, { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': webhook.signature }, webhook.body);
}

/**
 * Posts every webhook from `concurrency` senders, each one webhook at a time on a connection of its
 * own; any answer but 200 fails the run. With several origins, the senders' connections go to them
 * in turn (sender k to origin k mod n), as a load balancer keeps each connection on one server.
 */
export async function postWebhooks(origins: string | readonly string[], webhooks: readonly SignedWebhook[], concurrency: number): Promise<LoadRun> {
  const urls = (typeof origins === 'string' ? [origins] : origins).map((origin) => new URL(origin));
  const senders = Math.min(concurrency, webhooks.length);
  // The request's Host is the origin's: the bytes of each webhook for each origin that may take it.
  const requests = urls.slice(0, senders).map((url) => webhooks.map((webhook) => webhookRequest(url, webhook)));
  const roundTripMs: number[] = [];
  const sentAt = new Map<string, number>();
  const takenBy: number[] = new Array(webhooks.length);
  const origin = (sender: number) => sender % urls.length;
  const opened = await openConnections(Array.from({ length: senders }, (_, k) => urls[origin(k)]!));
  const connections = opened.map((connection, k) => ({ connection, origin: origin(k) }));
  let next = 0;
  const sender = async ({ connection, origin }: { connection: WebhookConnection; origin: number }) => {
    while (next < webhooks.length) {
      const index = next++;
      const callId = webhooks[index]!.callId;
      takenBy[index] = origin;
      const t0 = performance.now();
      sentAt.set(callId, t0);
      const status = await connection.send(requests[origin]![index]!);
      if (status !== 200) throw new Error(`webhook for ${callId} answered ${status}`);
      roundTripMs.push(performance.now() - t0);
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  try {
    await Promise.all(connections.map(sender));
  } finally {
    for (const { connection } of connections) connection.close();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds: (performance.now() - started) / 1000, roundTripMs, sentAt, generatorCpuMs: (cpu.user + cpu.system) / 1000, takenBy };
}

/** One kept-alive connection to each origin listed (an origin listed twice: two), once all are established (closed again if one is not). */
export async function openConnections(origins: readonly URL[]): Promise<WebhookConnection[]> {
  const opened = await Promise.allSettled(origins.map((url) => WebhookConnection.open(url.hostname, Number(url.port))));
  const connections = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const refused = opened.find((result) => result.status === 'rejected');
  if (refused) {
    for (const connection of connections) connection.close();
    throw refused.reason;
  }
  return connections;
}
