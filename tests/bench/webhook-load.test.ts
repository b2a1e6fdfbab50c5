import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeTwilioSignature } from '@phone-connector/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { postWebhooks, signWebhooks } from './webhook-load.ts';

const TOKEN = 'bench-token';

describe('postWebhooks', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });

  /** A node:http server that hands each webhook's request (path, signature, form) to `answer`, which answers it. */
  const serve = async (answer: (webhook: { path: string; signature: string; form: Record<string, string>; remotePort: number }, response: import('node:http').ServerResponse) => void) => {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        answer({ path: request.url!, signature: String(request.headers['x-twilio-signature']), form, remotePort: request.socket.remotePort! }, response);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const webhooksTo = (origin: string, count: number) => signWebhooks(`${origin}/hooks/bench/incoming?x=1`, TOKEN, Array.from({ length: count }, (_, i) => ({ CallSid: `CA${i}`, From: '+14155550100', CallStatus: 'ringing' })));

  it('posts every webhook, signed, from `concurrency` connections, and times each', async () => {
    const received: Array<{ path: string; signature: string; form: Record<string, string>; remotePort: number }> = [];
    const origin = await serve((webhook, response) => {
      received.push(webhook);
      // Some answers in chunks, as a server that does not know its body's length sends them.
      if (received.length % 3 === 0) response.writeHead(200).end();
      else response.writeHead(200, { 'Content-Type': 'text/xml' }).end('<Response></Response>');
    });
    const webhooks = await webhooksTo(origin, 40);
    const run = await postWebhooks(origin, webhooks, 4);
    expect(received.map((w) => w.form.CallSid).sort()).toEqual(webhooks.map((w) => w.callId).sort());
    for (const webhook of received) {
      expect(webhook.path).toBe('/hooks/bench/incoming?x=1');
      expect(webhook.signature).toBe(await computeTwilioSignature(TOKEN, `${origin}/hooks/bench/incoming?x=1`, webhook.form));
    }
    expect(new Set(received.map((w) => w.remotePort)).size).toBe(4);
    expect(run.roundTripMs).toHaveLength(40);
    expect(run.roundTripMs.every((ms) => ms >= 0)).toBe(true);
    expect([...run.sentAt.keys()].sort()).toEqual(webhooks.map((w) => w.callId).sort());
    expect(run.seconds).toBeGreaterThan(0);
    expect(run.generatorCpuMs).toBeGreaterThan(0);
  });

  it('spreads the senders over several origins in turn, a connection each, and tells which origin took each webhook', async () => {
    const received: Array<Array<{ callId: string; remotePort: number }>> = [[], [], []];
    const origins = await Promise.all(
      received.map((taken) =>
        serve((webhook, response) => {
          taken.push({ callId: webhook.form.CallSid!, remotePort: webhook.remotePort });
          response.writeHead(200, { 'Content-Length': 0 }).end();
        }),
      ),
    );
    const webhooks = await webhooksTo(origins[0]!, 60);
    const run = await postWebhooks(origins, webhooks, 5);
    // Senders 0 and 3 to the first origin, 1 and 4 to the second, 2 to the third.
    expect(received.map((taken) => new Set(taken.map((w) => w.remotePort)).size)).toEqual([2, 2, 1]);
    expect(received.flat().map((w) => w.callId).sort()).toEqual(webhooks.map((w) => w.callId).sort());
    expect(run.takenBy).toHaveLength(60);
    for (const [origin, taken] of received.entries()) {
      expect(webhooks.filter((_, i) => run.takenBy[i] === origin).map((w) => w.callId).sort()).toEqual(taken.map((w) => w.callId).sort());
    }
  });

  it('fails the run on an answer other than 200', async () => {
    let answered = 0;
    const origin = await serve((_, response) => response.writeHead(++answered === 7 ? 503 : 200, { 'Content-Length': 0 }).end());
    await expect(postWebhooks(origin, await webhooksTo(origin, 20), 2)).rejects.toThrow(/answered 503/);
  });

  it('fails the run when the server closes a connection instead of answering', async () => {
    let answered = 0;
    const origin = await serve((_, response) => {
      if (++answered === 7) response.socket!.destroy();
      else response.writeHead(200, { 'Content-Length': 0 }).end();
    });
    await expect(postWebhooks(origin, await webhooksTo(origin, 20), 2)).rejects.toThrow(/connection|ECONNRESET/);
  });
});
