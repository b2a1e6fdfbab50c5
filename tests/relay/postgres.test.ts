/**
 * The relay on PostgreSQL as an admin runs it: `--database-url` or `DATABASE_URL` on every
 * command, real processes, the run's PostgreSQL (a server of this file's own where it is
 * stopped under the relay).
 */
import { freshDatabase, startTestPostgres, type TestPostgres } from '@phone-connector/relay-server/src/testing-postgres.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSid, type SimulatedCall, TwilioSimulator } from '../simulators/twilio.ts';
import { AgentClient, addAgent, api, type RelayProcess, relayCli, startRelayProcess } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test';
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'postgres-test-token';

const passwordOf = (url: string) => new URL(url).password;

describe('relay agent on PostgreSQL', () => {
  it('adds, lists and removes agents with --database-url or DATABASE_URL, never printing the password', async () => {
    const url = await freshDatabase();
    const added = await relayCli(['agent', 'add', '--database-url', url, '--json', '--name', 'Ada', '--number', '+1 415 555 0111']);
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.stdout) as { id: string };
    const listed = await relayCli(['agent', 'list', '--json'], { DATABASE_URL: url });
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id, name: 'Ada', number: '+14155550111' }]);
    expect((await relayCli(['agent', 'remove', id], { DATABASE_URL: url })).code).toBe(0);
    expect((await relayCli(['agent', 'remove', id, '--database-url', url])).code).toBe(1);
    const emptied = await relayCli(['agent', 'list', '--database-url', url, '--json']);
    expect(emptied.stdout.trim()).toBe('[]');
    for (const result of [added, listed, emptied]) expect(result.stdout + result.stderr).not.toContain(passwordOf(url));
  });

  it('says which database it cannot reach, with the password masked', async () => {
    const url = new URL(await freshDatabase());
    url.port = '1';
    const result = await relayCli(['agent', 'list', '--database-url', url.toString()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot open the PostgreSQL store at postgres://relay:***@127.0.0.1:1${url.pathname}`);
    expect(result.stderr + result.stdout).not.toContain(url.password);
  });
});

describe('relay start on PostgreSQL', () => {
  let url: string;
  let relay: RelayProcess;
  let twilio: TwilioSimulator;

  beforeAll(async () => {
    url = await freshDatabase();
    relay = await startRelayProcess({ db: url, publicUrl: PUBLIC_URL });
    twilio = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, forward: (target) => target.replace(PUBLIC_URL, relay.url) });
  });
  afterAll(async () => {
    await twilio?.close();
    await relay?.stop();
  });

  it('pushes a webhook to its agent, hears an agent removed from the command line, and never logs the password', async () => {
    const ada = await addAgent(url, { name: 'Ada', number: '+14155550111' });
    const put = await api(relay, ada.token, 'PUT', '/instances/main', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: '+15005550006' } });
    expect(put.status).toBe(200);
    const client = await AgentClient.connect(relay, ada.token, { lastSeq: 0 });
    const call: SimulatedCall = { sid: newSid(), direction: 'outbound-api', from: '+15005550006', to: ada.number, status: 'ringing', dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
    expect((await twilio.webhook(call, 'status', 'POST', put.body.callbacks.status)).status).toBe(200);
    await client.waitFor((c) => c.events.some((e) => e.call.call_id === call.sid && e.call.status === 'ringing'));
    // Another process removes the agent: the relay hears it from PostgreSQL and closes the socket.
    expect((await relayCli(['agent', 'remove', ada.id], { DATABASE_URL: url })).code).toBe(0);
    expect((await client.closed).code).not.toBe(1006);
    expect(relay.output.join('\n')).not.toContain(passwordOf(url));
  });
});

describe('relay start while its PostgreSQL restarts', () => {
  let server: TestPostgres;
  let relay: RelayProcess;

  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(async () => {
    await relay?.stop();
    await server?.stop();
  });

  it('answers 503 to the API and to webhooks while the database is down, keeps running, and serves again once it is back', async () => {
    const ada = await addAgent(server.url, { name: 'Ada', number: '+14155550111' });
    relay = await startRelayProcess({ db: server.url, publicUrl: PUBLIC_URL });
    const twilio = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, forward: (target) => target.replace(PUBLIC_URL, relay.url) });
    try {
      const put = await api(relay, ada.token, 'PUT', '/instances/main', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: '+15005550006' } });
      const call: SimulatedCall = { sid: newSid(), direction: 'outbound-api', from: '+15005550006', to: ada.number, status: 'ringing', dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
      await server.halt();
      const down = await api(relay, ada.token, 'GET', '/me');
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('1');
      // The provider is told to try again later, as it does: nothing was stored.
      expect((await twilio.webhook(call, 'status', 'POST', put.body.callbacks.status)).status).toBe(503);
      await server.resume();
      await expect.poll(async () => (await api(relay, ada.token, 'GET', '/me')).status, { timeout: 30_000, interval: 200 }).toBe(200);
      expect((await twilio.webhook(call, 'status', 'POST', put.body.callbacks.status)).status).toBe(200);
      expect((await api(relay, ada.token, 'GET', '/calls')).body.calls).toMatchObject([{ call_id: call.sid, status: 'ringing' }]);
    } finally {
      await twilio.close();
    }
    expect(relay.process.exitCode).toBeNull();
    expect(relay.output.join('\n')).not.toContain(passwordOf(server.url));
  });
});
