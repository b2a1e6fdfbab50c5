/**
 * Durability under load (issue 13): webhooks that arrive together are committed together
 * (group commit: SQLite's transaction queue, PostgreSQL's batches), and each is answered only once
 * that shared commit is durable. A relay killed with SIGKILL in the middle of a stream of
 * concurrent webhooks has every webhook it answered 2xx in its store after the restart.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { computeTwilioSignature } from '@phone-connector/shared';
import { afterAll, afterEach, expect, it } from 'vitest';
import { freshDatabase } from '../../relay-server/src/testing-postgres.ts';
import { addAgent, api, type RelayProcess, startRelayProcess, tempDir } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test';
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'crash-under-load-token';
const SENDERS = 16;
/** Webhooks answered before the kill: enough that many were committed in shared batches. */
const ACKNOWLEDGED_BEFORE_KILL = 300;

const dir = tempDir();
let relay: RelayProcess | undefined;

afterEach(async () => {
  await relay?.stop('SIGKILL');
});
afterAll(() => dir.remove());

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// PostgreSQL counted far (PG_FAR_ROUND_TRIP_MS=0): a second batch in flight while the first's round trips are out.
it.each(['SQLite', 'PostgreSQL', 'PostgreSQL far'])('keeps every webhook it answered 2xx when it is killed with SIGKILL mid-stream (%s)', async (store) => {
  const db = store === 'SQLite' ? join(dir.path, 'relay.db') : await freshDatabase('crash');
  const ada = await addAgent(db, { name: 'Ada', number: '+14155550111' });
  const env: Record<string, string> = store === 'PostgreSQL far' ? { PG_FAR_ROUND_TRIP_MS: '0' } : {};
  relay = await startRelayProcess({ db, publicUrl: PUBLIC_URL, env });
  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  if (store !== 'SQLite') expect(metrics).toContain(`\nrelay_store_batches_in_flight_limit ${store === 'PostgreSQL far' ? 2 : 1}\n`);
  const put = await api(relay, ada.token, 'PUT', '/instances/main', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: '+15005550006' } });
  expect(put.status).toBe(200);
  const statusUrl: string = put.body.callbacks.status;
  const target = statusUrl.replace(PUBLIC_URL, relay.url);

  const acknowledged: string[] = [];
  const refused: number[] = [];
  let killing = false;
  /** Posts new calls' status webhooks one after another until the relay is gone. */
  const sender = async () => {
    while (!killing) {
      const params = { AccountSid: ACCOUNT_SID, CallSid: `CA${randomBytes(16).toString('hex')}`, CallStatus: 'ringing', From: '+14155550199', To: ada.number };
      const signature = await computeTwilioSignature(AUTH_TOKEN, statusUrl, params);
      let response: Response;
      try {
        response = await fetch(target, { method: 'POST', headers: { 'X-Twilio-Signature': signature }, body: new URLSearchParams(params) });
      } catch {
        // The relay died before answering: not acknowledged, so not owed.
        return;
      }
      // The status is the acknowledgement: from here the webhook must survive, whatever comes next.
      if (response.ok) acknowledged.push(params.CallSid);
      else refused.push(response.status);
      await response.arrayBuffer().catch(() => undefined);
    }
  };
  const senders = Array.from({ length: SENDERS }, sender);
  await until(() => acknowledged.length >= ACKNOWLEDGED_BEFORE_KILL || refused.length > 0, `${ACKNOWLEDGED_BEFORE_KILL} acknowledged webhooks`);
  expect(refused).toEqual([]);
  killing = true;
  relay.process.kill('SIGKILL');
  await relay.exited;
  await Promise.all(senders);

  relay = await startRelayProcess({ db, publicUrl: PUBLIC_URL });
  const stored = new Set<string>();
  for (let cursor: string | null = ''; cursor !== null; ) {
    const page: { status: number; body: { calls: Array<{ call_id: string }>; next_cursor: string | null } } = await api(relay, ada.token, 'GET', `/calls?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    for (const call of page.body.calls) stored.add(call.call_id);
    cursor = page.body.next_cursor;
  }
  expect(acknowledged.length).toBeGreaterThanOrEqual(ACKNOWLEDGED_BEFORE_KILL);
  expect(acknowledged.filter((sid) => !stored.has(sid))).toEqual([]);
}, 240_000);
