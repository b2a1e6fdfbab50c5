/**
 * HubSpot's limits are per token (4 searches a second), not per relay nor per instance (issue 10):
 * two relay processes on one PostgreSQL database, and two instances set up with one token on one
 * relay, take a burst of calls against the HubSpot simulator with its limits enforced. HubSpot
 * refuses none of their requests, and every caller is named and every call logged once.
 * A relay killed -9 while its searches fill the token's window holds the other relay back one
 * window after it last said they ran, no longer. `RATE_FIGURES=1` prints the requests, searches
 * and refusals, and how long after the kill the other relay's search went.
 */
import type { CallView } from '@phone-connector/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { api, type RelayProcess, type TestAgent } from '../relay/harness.ts';
import { HubSpotSimulator } from '../simulators/crm/hubspot.ts';
import { newSid } from '../simulators/twilio.ts';
import { ACCOUNT_SID, AUTH_TOKEN, addAgentTo, counter, type SharedStore, sharedStore, startRelayOn, type StoreKind, TEAM_NUMBER, twilioWebhook } from './harness.ts';

/** Callers in the burst: four seconds of HubSpot's search limit, were each searched for alone. */
const CALLERS = 16;
/** Calls ring this far apart at most (ten a second), each once the relay answered the one before. */
const RING_EVERY_MS = 100;
/** A wait that ends only when its condition will never hold: generous, for a busy machine. */
const WAIT = { timeout: 45_000, interval: 200 };

/** Twilio's webhook parameters of an inbound call from `from` to the team's number. */
function inbound(call: { sid: string; from: string }, status: string): Record<string, string> {
  return { CallSid: call.sid, AccountSid: ACCOUNT_SID, From: call.from, To: TEAM_NUMBER, CallStatus: status, Direction: 'inbound' };
}

/** The contact attached to the call `sid`, as `relay`'s agent API shows it to Ada. */
async function contactOf(relay: RelayProcess, ada: TestAgent, sid: string): Promise<string | undefined> {
  const listed = await api<{ calls: CallView[] }>(relay, ada.token, 'GET', '/calls?limit=200');
  return listed.body.calls.find((view) => view.call_id === sid)?.contact?.id;
}

interface Line {
  relay: RelayProcess;
  callbacks: { incoming: string; status: string };
}

describe('HubSpot paced per token across relays and instances (issue 10)', () => {
  const started: RelayProcess[] = [];
  const stores: SharedStore[] = [];
  let crm: HubSpotSimulator | undefined;

  afterEach(async () => {
    await Promise.all(started.splice(0).map((relay) => relay.stop()));
    for (const store of stores.splice(0)) store.remove();
    await crm?.close();
  });

  /** A database of `kind` with Ada (admin) on it, `relays` relay processes on it, and the HubSpot simulator (limits enforced). */
  async function setUp(kind: StoreKind, relays: number): Promise<{ ada: TestAgent; relays: RelayProcess[] }> {
    const store = await sharedStore(kind);
    stores.push(store);
    const ada = await addAgentTo(store, { name: 'Ada', number: '+14155550111', admin: true });
    started.push(...(await Promise.all(Array.from({ length: relays }, () => startRelayOn(store)))));
    crm = await HubSpotSimulator.start();
    crm.enforceRateLimits();
    return { ada, relays: [...started] };
  }

  /** Ada's instance `localId`: Twilio on the team's number, HubSpot with the simulator's token and `crmConfig` besides. */
  async function instance(relay: RelayProcess, ada: TestAgent, localId: string, crmConfig: Record<string, string> = {}): Promise<Line['callbacks']> {
    const put = await api(relay, ada.token, 'PUT', `/instances/${localId}`, {
      connector: 'twilio',
      config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TEAM_NUMBER },
      crm: { connector: 'hubspot', config: { ...crm!.config, ...crmConfig } },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    return put.body.callbacks;
  }

  /**
   * Rings `CALLERS` seeded callers, the nth on `lines[n % lines.length]`, ten a second at most, then
   * ends each call; waits until every call is logged. Returns the HubSpot requests of the burst,
   * those refused (429), the calls no contact was attached to, and how many activities each caller has.
   */
  async function burst(ada: TestAgent, lines: Line[]) {
    const numbers = Array.from({ length: CALLERS }, (_, n) => `+1415555${String(400 + n).padStart(4, '0')}`);
    const ids = crm!.seed(numbers.map((e164, n) => ({ firstName: 'Paced', lastName: String(n), phones: [e164] })));
    const before = crm!.requests.length;
    const calls = numbers.map((from, n) => ({ from, sid: newSid(), line: lines[n % lines.length]! }));
    for (const call of calls) {
      const next = performance.now() + RING_EVERY_MS;
      const answer = await twilioWebhook(call.line.relay, call.line.callbacks.incoming, inbound(call, 'ringing'));
      expect(answer.status, answer.body).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }
    for (const call of calls) {
      const answer = await twilioWebhook(call.line.relay, call.line.callbacks.status, { ...inbound(call, 'completed'), CallDuration: '35' });
      expect(answer.status, answer.body).toBe(200);
    }
    const views = async () => {
      const listed = await api<{ calls: CallView[] }>(lines[0]!.relay, ada.token, 'GET', '/calls?limit=200');
      return calls.map((call) => listed.body.calls.find((view) => view.call_id === call.sid));
    };
    await expect.poll(async () => (await views()).map((view) => view?.crm_log?.state), WAIT).toEqual(calls.map(() => 'logged'));
    const named = await views();
    const sent = crm!.requests.slice(before);
    const refused = sent.filter((request) => request.status === 429).map((request) => `${request.method} ${request.url}`);
    const unnamed = numbers.filter((_, n) => named[n]?.contact?.id !== ids[n]);
    const activities = numbers.map((number) => crm!.activities().filter((activity) => activity.fields.hs_call_from_number === number).length);
    const searches = sent.filter((request) => request.url === '/crm/v3/objects/contacts/search').length;
    if (process.env.RATE_FIGURES) console.log(`requests ${sent.length}, searches ${searches}, refused ${refused.length}, unnamed ${unnamed.length} of ${CALLERS}`);
    return { refused, unnamed, activities };
  }

  it('two relays on one PostgreSQL database keep together to one token\'s limits: a burst spread over both, none refused, each caller named and logged once', async () => {
    const { ada, relays } = await setUp('postgres', 2);
    const callbacks = await instance(relays[0]!, ada, 'main');
    const { refused, unnamed, activities } = await burst(ada, relays.map((relay) => ({ relay, callbacks })));
    expect(refused, 'requests HubSpot refused').toEqual([]);
    expect(unnamed, 'callers never named').toEqual([]);
    expect(activities).toEqual(activities.map(() => 1));
  });

  it('two instances set up with one token on one relay (two teams, each logging for its owner) share its limits: none refused, each caller named and logged once', async () => {
    const { ada, relays } = await setUp('sqlite', 1);
    // Owners of the portal: HubSpot refuses a call for an owner id it does not have.
    const [sales, support] = ['sales', 'support'].map((team) => crm!.seedUser({ email: `${team}@example.com`, firstName: 'Team', lastName: team }));
    const lines = [
      { relay: relays[0]!, callbacks: await instance(relays[0]!, ada, 'sales', { owner_id: sales! }) },
      { relay: relays[0]!, callbacks: await instance(relays[0]!, ada, 'support', { owner_id: support! }) },
    ];
    const { refused, unnamed, activities } = await burst(ada, lines);
    expect(refused, 'requests HubSpot refused').toEqual([]);
    expect(unnamed, 'callers never named').toEqual([]);
    expect(activities).toEqual(activities.map(() => 1));
  });

  it('a relay killed -9 while its searches fill the token\'s window holds the other back one window after it last said they ran, no longer: the other\'s caller is searched for then, and named', async () => {
    const { ada, relays } = await setUp('postgres', 2);
    const [a, b] = relays as [RelayProcess, RelayProcess];
    const callbacks = await instance(a, ada, 'main');
    const calls = Array.from({ length: 5 }, (_, n) => ({ from: `+1415555${String(500 + n).padStart(4, '0')}`, sid: newSid() }));
    const ids = crm!.seed(calls.map((call, n) => ({ firstName: 'Held', lastName: String(n), phones: [call.from] })));
    const searches = () => crm!.requests.filter((request) => request.url === '/crm/v3/objects/contacts/search');
    const release = crm!.holdSearches();
    // Four calls on A: four searches HubSpot holds unanswered, the token's window of a second full.
    for (const call of calls.slice(0, 4)) expect((await twilioWebhook(a, callbacks.incoming, inbound(call, 'ringing'))).status).toBe(200);
    await expect.poll(() => searches().length, WAIT).toBe(4);
    // A fifth on B: its lookup waits for A's places.
    expect((await twilioWebhook(b, callbacks.incoming, inbound(calls[4]!, 'ringing'))).status).toBe(200);
    await expect.poll(() => counter(b, 'relay_crm_lookups_pending'), WAIT).toBe(1);
    const killed = Date.now();
    await a.stop('SIGKILL');
    release();
    await expect.poll(() => searches().length, WAIT).toBe(5);
    const late = searches()[4]!;
    // Sent once A's places lapsed, A being dead: not before (it would have been the fifth of the window), and answered.
    expect(late.at).toBeGreaterThan(killed);
    expect(late.body).toContain(calls[4]!.from);
    await expect.poll(() => contactOf(b, ada, calls[4]!.sid), WAIT).toBe(ids[4]);
    expect(late.status).toBe(200);
    if (process.env.RATE_FIGURES) console.log(`B's search went ${late.at - killed} ms after A was killed`);
  });
});
