/**
 * The relay bench's load generator: signed Twilio webhooks posted by concurrent senders over
 * keep-alive connections. Everything a sender would compute per webhook (the form body, the
 * HMAC signature) is computed before the clock starts, and each sender reuses one connection,
 * so the generator spends per webhook only what an HTTP client must: the same small cost
 * against the relay and against the bare forwarder, whose rate shows how much the generator
 * can send at most.
 */
import { Agent, request } from 'node:http';
import { computeTwilioSignature } from '@phone-connector/shared';

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

/** Posts every webhook to `origin` from `concurrency` senders, each one webhook at a time; any answer but 200 fails the run. */
export async function postWebhooks(origin: string, webhooks: readonly SignedWebhook[], concurrency: number): Promise<LoadRun> {
  const { hostname, port } = new URL(origin);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const roundTripMs: number[] = [];
  const sentAt = new Map<string, number>();
  let next = 0;
  const sender = async () => {
    while (next < webhooks.length) {
      const webhook = webhooks[next++]!;
      const t0 = performance.now();
      sentAt.set(webhook.callId, t0);
      const status = await post(agent, hostname, Number(port), webhook);
      if (status !== 200) throw new Error(`webhook for ${webhook.callId} answered ${status}`);
      roundTripMs.push(performance.now() - t0);
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, sender));
  } finally {
    agent.destroy();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds: (performance.now() - started) / 1000, roundTripMs, sentAt, generatorCpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Posts one signed webhook over `agent`'s kept-alive connections; resolves with the answer's status once its body is read. */
export function post(agent: Agent, hostname: string, port: number, webhook: SignedWebhook): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        hostname,
        port,
        method: 'POST',
        path: webhook.path,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(webhook.body), 'X-Twilio-Signature': webhook.signature },
      },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(webhook.body);
  });
}
