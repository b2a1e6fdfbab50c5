/**
 * Several real relay processes on one database, the way a company scales out behind a load
 * balancer: SQLite (one file, WAL: two processes may share it) or the test run's PostgreSQL (a
 * fresh database per call). Agents are added with the real CLI; webhooks are signed over the
 * public URL, as the provider signs them, and sent to the relay the test picks, as the load
 * balancer would forward them.
 */
import { join } from 'node:path';
import { computeTwilioSignature } from '@phone-connector/shared';
import { freshDatabase } from '../../relay-server/src/testing-postgres.ts';
import { counterIn, type RelayProcess, relayCli, startRelayProcess, type TestAgent, tempDir } from '../relay/harness.ts';
import { sendWebhook, type WebhookAnswer } from '../simulators/http.ts';

export type StoreKind = 'sqlite' | 'postgres';

export const PUBLIC_URL = 'https://relays.example.test';
export const ACCOUNT_SID = `AC${'0f1e2d3c4b5a6978'.repeat(2)}`;
export const AUTH_TOKEN = 'scale-out-test-token';
/** The team's Twilio number: an incoming call to it rings every agent. */
export const TEAM_NUMBER = '+15005550006';

/** One database several relays share: the flags that point a relay or the CLI at it. */
export interface SharedStore {
  kind: StoreKind;
  args: string[];
  remove(): void;
}

/** A new database of `kind`; PostgreSQL's on the test run's server unless `postgresUrl` names another. */
export async function sharedStore(kind: StoreKind, postgresUrl?: string): Promise<SharedStore> {
  if (kind === 'postgres') return { kind, args: ['--database-url', await freshDatabase('fanout', postgresUrl)], remove: () => {} };
  const dir = tempDir('relay-multi-');
  return { kind, args: ['--db', join(dir.path, 'relay.db')], remove: dir.remove };
}

/** `relay agent add --json` on the shared store. */
export async function addAgentTo(store: SharedStore, agent: { name: string; number: string; admin?: boolean }): Promise<TestAgent> {
  const result = await relayCli(['agent', 'add', ...store.args, '--json', '--name', agent.name, '--number', agent.number, ...(agent.admin ? ['--admin'] : [])]);
  if (result.code !== 0) throw new Error(`agent add failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as TestAgent;
}

/** A relay process on the shared store, behind the common public URL. */
export function startRelayOn(store: SharedStore): Promise<RelayProcess> {
  return startRelayProcess({ args: store.args, publicUrl: PUBLIC_URL, env: { LOG_LEVEL: 'info' } });
}

/** A Twilio webhook to one of the instance's callback URLs (public), signed, sent to `relay`. Status 0: no answer. */
export async function twilioWebhook(relay: { url: string }, callback: string, params: Record<string, string>): Promise<WebhookAnswer> {
  const signature = await computeTwilioSignature(AUTH_TOKEN, callback, params);
  return sendWebhook(callback.replace(PUBLIC_URL, relay.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
    body: new URLSearchParams(params),
  });
}

/** The status webhook that tells of a call the instance's owner placed: a new call, one `created` event for the owner. */
export function placedCallStatus(sid: string): Record<string, string> & { CallSid: string } {
  return { CallSid: sid, AccountSid: ACCOUNT_SID, From: TEAM_NUMBER, To: '+14155550100', CallStatus: 'initiated', Direction: 'outbound-api' };
}

/** The incoming webhook of a call to the team's number: rings every agent. */
export function incomingCall(sid: string): Record<string, string> {
  return { CallSid: sid, AccountSid: ACCOUNT_SID, From: '+14155550177', To: TEAM_NUMBER, CallStatus: 'ringing', Direction: 'inbound' };
}

/** A relay's /metrics counter, summed over the label values that match (a counter without labels: its one value). */
export async function counter(relay: { url: string }, name: string, labels = ''): Promise<number> {
  return counterIn(await (await fetch(`${relay.url}/metrics`)).text(), name, labels);
}
