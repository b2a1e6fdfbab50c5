import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeTwilioSignature } from '@phone-connector/shared';
import { addAgent, AgentClient, api, REPO_ROOT, startRelayProcess, tempDir } from '../relay/harness.ts';

export interface RelayFigures {
  webhooks: number;
  concurrency: number;
  webhooksPerSecond: number;
  webhookMs: Percentiles;
  pushMs: Percentiles;
  rssMiB: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const AUTH_TOKEN = 'bench-auth-token';

/**
 * A real relay process on SQLite takes signed Twilio status webhooks for distinct calls as
 * fast as `concurrency` senders can post them, while one agent's WebSocket receives the events.
 */
export async function benchRelay(webhooks = 2000, concurrency = 16): Promise<RelayFigures> {
  const dir = tempDir('pc-bench-');
  const db = join(dir.path, 'relay.db');
  const agent = await addAgent(db, { name: 'Bench', number: '+14155550111' });
  const relay = await startRelayProcess({ db, env: { LOG_LEVEL: 'info' } });
  try {
    const xml = readFileSync(join(REPO_ROOT, 'connectors', 'twilio.xml'), 'utf8');
    const instance = await api<{ callbacks: { status: string } }>(relay, agent.token, 'PUT', '/instances/bench', {
      xml,
      config: { authid: 'AC0', authtoken: AUTH_TOKEN, callerid: '+15005550006' },
    });
    const statusUrl = instance.body.callbacks.status;
    const client = await AgentClient.connect(relay, agent.token, { lastSeq: null });
    const sentAt = new Map<string, number>();
    const pushMs: number[] = [];
    client.ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; call?: { call_id: string } };
      const sent = message.call && sentAt.get(message.call.call_id);
      if (message.type === 'call' && sent) pushMs.push(performance.now() - sent);
    });
    const webhookMs: number[] = [];
    let next = 0;
    const started = performance.now();
    const sender = async () => {
      while (next < webhooks) {
        const callSid = `CA${String(next++).padStart(32, '0')}`;
        const params = { CallSid: callSid, AccountSid: 'AC0', From: '+15005550006', To: '+14155550111', CallStatus: 'completed', CallDuration: '42' };
        const signature = await computeTwilioSignature(AUTH_TOKEN, statusUrl, params);
        const t0 = performance.now();
        sentAt.set(callSid, t0);
        const response = await fetch(statusUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature }, body: new URLSearchParams(params) });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
        webhookMs.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, sender));
    const seconds = (performance.now() - started) / 1000;
    await client.waitFor(() => pushMs.length >= webhooks, 30_000);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${relay.process.pid}/status`, 'utf8'))?.[1] ?? 0);
    await client.close();
    return { webhooks, concurrency, webhooksPerSecond: Math.round(webhooks / seconds), webhookMs: percentiles(webhookMs), pushMs: percentiles(pushMs), rssMiB: Math.round(rssKb / 1024) };
  } finally {
    await relay.stop();
    dir.remove();
  }
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1));
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Number((sorted.at(-1) ?? 0).toFixed(1)) };
}
