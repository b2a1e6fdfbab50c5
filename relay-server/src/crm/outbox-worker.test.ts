import type { Contact, CrmCall } from '@phone-connector/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoreTx } from '../store/index.ts';
import { crmTestRelay } from '../testing.ts';
import { BREAKER_DEFAULTS } from './crm-breaker.ts';
import { CRM_USER_TTL } from './crm-users.ts';
import { toCrmCall } from './crm-call.ts';
import { CrmOutboxWorker, OUTBOX_DEFAULTS } from './outbox-worker.ts';

const GRACE: Contact = { id: '12x1', name: 'Grace Hopper', company: 'Navy', url: 'https://crm.example.test/contacts/12x1' };
const ALAN: Contact = { id: '12x2', name: 'Alan Turing', company: null, url: null };
/** A caller with no contact cached: a call of theirs is looked up apart from CALLER's. */
const OTHER_CALLER = '+14155550123';
const CALLER = '+14155550199';
const WAIT = { timeout: 10_000, interval: 10 };
const REFUSED = { ok: false as const, error: 'could not reach crm.example.test: connect ECONNREFUSED', retry: true };

let relay: Awaited<ReturnType<typeof crmTestRelay>>;
beforeEach(async () => {
  relay = await crmTestRelay();
  relay.crm.contacts.set(CALLER, [GRACE]);
});
afterEach(() => relay.outbox.stop());

/** In place of the test's relay (its worker stopped), one made with `options`, the caller still Grace; its worker not started. */
async function relayWith(options: Parameters<typeof crmTestRelay>[0]): Promise<void> {
  await relay.outbox.stop();
  relay = await crmTestRelay(options);
  relay.crm.contacts.set(CALLER, [GRACE]);
}

/** A call from the caller, rung (its lookup done) and completed. */
async function endedCall(sid = 'CA1', caller = CALLER) {
  await relay.inbound(sid, caller).ringing();
  await vi.waitFor(() => expect(relay.pushed(sid).length).toBeGreaterThan(0), WAIT);
  expect((await relay.inbound(sid, caller).completed()).status).toBe(200);
  return await relay.callOf(sid);
}

/**
 * Runs every store transaction from now on with the methods `replace(tx)` gives in place of its
 * own: on top of tx, not a copy of it (a transaction's methods are its prototype's).
 */
function overTransactions(replace: (tx: StoreTx) => Partial<StoreTx>): void {
  const transaction = relay.store.transaction.bind(relay.store);
  vi.spyOn(relay.store, 'transaction').mockImplementation((work) => transaction((tx) => work(Object.assign(Object.create(tx) as StoreTx, replace(tx)))));
}

/** Counts the outbox's claims of due rows from now on, in transactions of their own (each a commit and a disk sync) or in an outcome's. */
function countClaims(): { count: number } {
  const claims = { count: 0 };
  overTransactions((tx) => ({
    claimDueCrmWork: (...args) => {
      claims.count += 1;
      return tx.claimDueCrmWork(...args);
    },
  }));
  return claims;
}

/** A relay of its own with these outbox settings, and the calls `sids` ended, their logs queued; its worker stopped. */
async function backlog(outbox: NonNullable<Parameters<typeof crmTestRelay>[0]>['outbox'], sids: string[]): Promise<void> {
  await relayWith({ outbox });
  for (const sid of sids) await endedCall(sid);
}

/** Lets the event loop turn (no timer involved: a test on fake timers can use it) until `done` holds. */
async function turnsUntil(done: () => boolean | Promise<boolean>): Promise<void> {
  for (let turn = 0; !(await done()); turn++) {
    if (turn > 100_000) throw new Error('the condition never held');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const patch = (id: number, body: unknown) => relay.call(relay.ada.token, 'PATCH', `/calls/${id}`, body);
const records = () => [...relay.crm.records.values()];
/** Each logged call's provider id and the CRM user it was logged for. */
const loggedFor = () => records().map((r) => [r.call_id, r.agent_crm_id]);

describe('call logging', () => {
  it("writes an ended call's pending log in the statement that stores its state, its outbox row beside it (issue 10)", async () => {
    await relay.inbound('CA1', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA1').length).toBeGreaterThan(0), WAIT);
    const writes: string[] = [];
    overTransactions((tx) => ({
      updateCall: (id, state, at, crmLog) => {
        writes.push(`updateCall ${crmLog?.state ?? 'no log'}`);
        return tx.updateCall(id, state, at, crmLog);
      },
      setCallCrmLog: (...args) => {
        writes.push(`setCallCrmLog ${args[1].state}`);
        return tx.setCallCrmLog(...args);
      },
      putCrmWork: (work) => {
        writes.push('putCrmWork');
        return tx.putCrmWork(work);
      },
    }));
    expect((await relay.inbound('CA1', CALLER).completed()).status).toBe(200);
    expect(writes).toEqual(['updateCall pending', 'putCrmWork']);
    const call = await relay.callOf('CA1');
    expect(call.crm_log).toEqual({ state: 'pending', id: null, url: null, error: null });
    expect(relay.pushed('CA1').at(-1)).toMatchObject({ kind: 'updated', call: { status: 'completed', crm_log: { state: 'pending' } } });
    expect(await relay.store.crmWorkOf(call.id)).toBeDefined();
    expect(await relay.outbox.runDue()).toBe(1);
    expect(records()).toEqual([expect.objectContaining<Partial<CrmCall>>({ call_id: 'CA1', status: 'completed', duration: 42 })]);
    expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged');
  });

  it('logs a call once when it is final, whatever the provider retries, with the call fields', async () => {
    await relay.inbound('CA1', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA1').length).toBeGreaterThan(0), WAIT);
    expect(await relay.outbox.runDue()).toBe(0);
    expect((await relay.callOf('CA1')).crm_log).toBeNull();
    await relay.inbound('CA1', CALLER).completed();
    expect((await relay.callOf('CA1')).crm_log).toEqual({ state: 'pending', id: null, url: null, error: null });
    await relay.inbound('CA1', CALLER).completed();
    await relay.outbox.runDue();
    await relay.inbound('CA1', CALLER).completed();
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toHaveLength(1);
    expect(records()).toEqual([
      expect.objectContaining<Partial<CrmCall>>({
        call_id: 'CA1',
        direction: 'inbound',
        customer_number: CALLER,
        agent_name: 'Ada',
        agent_email: 'ada@example.com',
        status: 'completed',
        duration: 42,
        contact_id: GRACE.id,
      }),
    ]);
    const logged = { state: 'logged', id: 'act-1', url: 'https://crm.example.test/activity/act-1', error: null };
    expect((await relay.callOf('CA1')).crm_log).toEqual(logged);
    expect(relay.pushed('CA1').at(-1)).toMatchObject({ kind: 'updated', call: { crm_log: logged } });
    expect((await relay.store.crmOutboxStats()).depth).toBe(0);
  });

  it("logs a team's incoming call as taken by the agent whose phone answered it, else by the team's admin", async () => {
    await relayWith({ admin: true });
    const bob = await relay.addAgent('Bob', '+14155550122', { email: 'bob@example.com' });
    for (const sid of ['CA1', 'CA2']) await relay.inbound(sid, CALLER).ringing();
    expect(await relay.store.agentIdsOfCall((await relay.callOf('CA1')).id)).toHaveLength(2);
    // Bob's <Number> leg answers CA1: Twilio names the call in ParentCallSid, Bob's phone in To.
    expect((await relay.twilioWebhook(relay.hooks.status, { CallSid: 'CAleg', ParentCallSid: 'CA1', CallStatus: 'in-progress', To: '+1 (415) 555-0122' })).status).toBe(200);
    expect((await relay.callOf('CA1')).extra).toMatchObject({ answered_by: '+14155550122', answered_by_name: 'Bob' });
    for (const sid of ['CA1', 'CA2']) await relay.inbound(sid, CALLER).completed();
    await relay.outbox.runDue();
    const logged = (sid: string) => records().find((r) => r.call_id === sid);
    expect(logged('CA1')).toMatchObject({ agent_name: 'Bob', agent_email: 'bob@example.com', agent_number: '+14155550122' });
    expect(logged('CA2')).toMatchObject({ agent_name: 'Ada', agent_email: 'ada@example.com' });
    // Bob's wrap-up reaches the record; Ada, the admin, cannot write over it.
    const id = (await relay.callOf('CA1')).id;
    expect(await (await relay.call(bob.token, 'PATCH', `/calls/${id}`, { notes: 'wants a demo' })).json()).toMatchObject({ notes: 'wants a demo' });
    const refused = await patch(id, { notes: 'seen it' });
    expect([refused.status, await refused.json()]).toEqual([409, { error: 'Bob took this call: its notes and disposition are theirs to write' }]);
    await relay.outbox.runDue();
    expect(relay.crm.asked('updateCall')).toEqual([{ recordId: expect.any(String), call: expect.objectContaining({ notes: 'wants a demo' }) }]);
  });

  it("brings a team's call to the agent who took it when routing had not, and logs it as theirs", async () => {
    await relayWith({ admin: true });
    const bob = await relay.addAgent('Bob', '+14155550122', { email: 'bob@example.com' });
    const cy = await relay.addAgent('Cy', '+14155550133');
    // A call to Cy's own line reaches Cy; Bob's phone, which Cy's calls forward to, takes it.
    await relay.twilioWebhook(relay.hooks.incoming, { CallSid: 'CA1', From: CALLER, To: '+14155550133', CallStatus: 'ringing', Direction: 'inbound' });
    const id = (await relay.callOf('CA1')).id;
    expect(await relay.store.agentIdsOfCall(id)).toEqual([cy.id]);
    await relay.twilioWebhook(relay.hooks.status, { CallSid: 'CAleg', ParentCallSid: 'CA1', CallStatus: 'in-progress', To: '+14155550122' });
    expect((await relay.store.agentIdsOfCall(id)).sort()).toEqual([cy.id, bob.id].sort());
    expect(relay.published.filter((e) => e.agentId === bob.id).map((e) => [e.kind, JSON.parse(e.call).extra.answered_by_name])).toEqual([['created', 'Bob']]);
    await relay.inbound('CA1', CALLER).completed();
    await relay.outbox.runDue();
    expect(records()).toEqual([expect.objectContaining<Partial<CrmCall>>({ call_id: 'CA1', agent_name: 'Bob', agent_number: '+14155550122' })]);
    expect((await relay.call(bob.token, 'PATCH', `/calls/${id}`, { notes: 'wants a demo' })).status).toBe(200);
    expect((await relay.call(cy.token, 'PATCH', `/calls/${id}`, { notes: 'mine' })).status).toBe(409);
  });

  it('updates the same record with notes and disposition, coalesced into one request', async () => {
    const call = await endedCall();
    await relay.outbox.runDue();
    expect((await patch(call.id, { notes: 'wants a demo' })).status).toBe(200);
    expect((await patch(call.id, { disposition: 'Interested' })).status).toBe(200);
    expect((await relay.store.crmOutboxStats()).depth).toBe(1);
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toHaveLength(1);
    expect(relay.crm.asked('updateCall')).toEqual([{ recordId: 'act-1', call: expect.objectContaining({ notes: 'wants a demo', disposition: 'Interested' }) }]);
  });

  it('sends the notes given while the log was in flight as one update after it', async () => {
    const call = await endedCall();
    const release = relay.crm.hang('logCall');
    const running = relay.outbox.runDue();
    await vi.waitFor(() => expect(relay.crm.asked('logCall')).toHaveLength(1), WAIT);
    await patch(call.id, { notes: 'said while logging' });
    release();
    await running;
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toHaveLength(1);
    expect(relay.crm.asked('updateCall')).toEqual([{ recordId: 'act-1', call: expect.objectContaining({ notes: 'said while logging' }) }]);
  });

  it('re-links the log when the agent picks another of the matches', async () => {
    relay.crm.contacts.set(CALLER, [GRACE, ALAN]);
    const call = await endedCall();
    await relay.outbox.runDue();
    const refused = await patch(call.id, { contact_id: 'nobody' });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({ error: 'contact_id "nobody" is not one of the call\'s contacts (12x1, 12x2)' });
    const picked = await patch(call.id, { contact_id: ALAN.id });
    expect(await picked.json()).toMatchObject({ contact: ALAN, contacts: [GRACE, ALAN] });
    await relay.outbox.runDue();
    expect(relay.crm.asked('updateCall')).toEqual([{ recordId: 'act-1', call: expect.objectContaining({ contact_id: ALAN.id }) }]);
  });

  it('links the chosen contact in the log itself when it was picked before the log ran', async () => {
    relay.crm.contacts.set(CALLER, [GRACE, ALAN]);
    const call = await endedCall();
    await patch(call.id, { contact_id: ALAN.id });
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ contact_id: ALAN.id })]);
    expect(relay.crm.asked('updateCall')).toEqual([]);
  });
});

describe('a call that ends while its caller is being looked up', () => {
  /** The caller's lookup hangs; the call rings and ends; its log is pending. */
  async function endedDuringLookup() {
    const release = relay.crm.hang('findContacts');
    await relay.inbound('CA1', CALLER).ringing();
    expect((await relay.inbound('CA1', CALLER).completed()).status).toBe(200);
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'pending', id: null });
    return release;
  }

  it('logs once the contact is in, with it, and needs no update to link it', async () => {
    const release = await endedDuringLookup();
    expect(await relay.outbox.runDue()).toBe(0);
    release();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).contact).toEqual(GRACE), WAIT);
    expect(await relay.outbox.runDue()).toBe(1);
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ call_id: 'CA1', contact_id: GRACE.id })]);
    expect(relay.crm.asked('updateCall')).toEqual([]);
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'logged', id: 'act-1' });
  });

  it('logs at once without a contact when the lookup fails', async () => {
    relay.crm.fail('findContacts', { ok: false, error: 'connect ECONNREFUSED', retry: true });
    const release = await endedDuringLookup();
    release();
    await vi.waitFor(() => expect(relay.logs.some((line) => line.includes('caller lookup failed'))).toBe(true), WAIT);
    await vi.waitFor(async () => expect((await relay.store.nextCrmDue())! <= relay.deps.now().toISOString()).toBe(true), WAIT);
    expect(await relay.outbox.runDue()).toBe(1);
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ call_id: 'CA1', contact_id: null })]);
  });

  it('logs at once without a contact when the lookup finds nobody (and the call offers the new-contact form)', async () => {
    relay.crm.contacts.delete(CALLER);
    const release = await endedDuringLookup();
    release();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).new_contact_url).toContain('contacts/new'), WAIT);
    await vi.waitFor(async () => expect((await relay.store.nextCrmDue())! <= relay.deps.now().toISOString()).toBe(true), WAIT);
    expect(await relay.outbox.runDue()).toBe(1);
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ call_id: 'CA1', contact_id: null })]);
  });

  it('waits for a lookup that never answers no longer than logWaitsForLookupMs, then links the contact by an update', async () => {
    const release = await endedDuringLookup();
    relay.advance(relay.deps.crm.settings.logWaitsForLookupMs - 1);
    expect(await relay.outbox.runDue()).toBe(0);
    relay.advance(1);
    expect(await relay.outbox.runDue()).toBe(1);
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ contact_id: null })]);
    release();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).contact).toEqual(GRACE), WAIT);
    await relay.outbox.runDue();
    expect(relay.crm.asked('updateCall')).toEqual([{ recordId: 'act-1', call: expect.objectContaining({ contact_id: GRACE.id }) }]);
  });
});

describe('a CRM that cannot update a logged call', () => {
  beforeEach(async () => {
    relay.crm.canUpdate = false;
  });

  it('logs once, as soon as the wrap-up is in, and never updates', async () => {
    const call = await endedCall();
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toEqual([]);
    expect((await relay.callOf('CA1')).crm_log?.state).toBe('pending');
    await patch(call.id, { notes: 'call back on Monday', disposition: 'Call back later' });
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ notes: 'call back on Monday', disposition: 'Call back later' })]);
    await patch(call.id, { notes: 'changed my mind' });
    await relay.outbox.runDue();
    expect(relay.crm.asked('updateCall')).toEqual([]);
    expect((await relay.store.crmOutboxStats()).depth).toBe(0);
  });

  it('logs without notes once the wrap-up window has passed', async () => {
    await endedCall();
    relay.advance(relay.deps.crm.settings.wrapUpMs - 1);
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toEqual([]);
    relay.advance(1);
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ notes: null })]);
  });

  it('waits for a caller lookup still running when a quick wrap-up comes, then logs once with its contact (issue 10: a lookup may wait for its CRM\'s rate)', async () => {
    relay.holdAsInProduction();
    relay.crm.contacts.set(CALLER, [GRACE]);
    const release = relay.crm.hang('findContacts');
    const call = await endedCall();
    await patch(call.id, { notes: 'quick wrap-up' });
    expect(await relay.outbox.runDue()).toBe(0);
    expect(relay.crm.asked('logCall')).toEqual([]);
    release();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).contact).toEqual(GRACE), WAIT);
    await relay.outbox.runDue();
    await vi.waitFor(() => expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ contact_id: GRACE.id, notes: 'quick wrap-up' })]), WAIT);
  });

  it('still waits for the wrap-up when the caller lookup it ended during fails', async () => {
    relay.crm.fail('findContacts', { ok: false, error: 'connect ECONNREFUSED', retry: true });
    const release = relay.crm.hang('findContacts');
    await relay.inbound('CA1', CALLER).ringing();
    await relay.inbound('CA1', CALLER).completed();
    release();
    await vi.waitFor(() => expect(relay.logs.some((line) => line.includes('caller lookup failed'))).toBe(true), WAIT);
    expect(await relay.outbox.runDue()).toBe(0);
    relay.advance(relay.deps.crm.settings.wrapUpMs);
    expect(await relay.outbox.runDue()).toBe(1);
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ call_id: 'CA1', contact_id: null })]);
  });
});

describe('retries', () => {
  const unavailable = { ok: false as const, error: 'HTTP 503 Service Unavailable', retry: true, status: 503 };

  it("logs each call for the CRM user the agent is, asked once per agent (find_user)", async () => {
    relay.crm.knowUsers({ 'ada@example.com': 'owner-ada' });
    await endedCall('CA1');
    await endedCall('CA2', '+14155550177');
    await relay.outbox.runDue();
    expect(loggedFor()).toEqual([
      ['CA1', 'owner-ada'],
      ['CA2', 'owner-ada'],
    ]);
    expect(relay.crm.asked('findUser')).toEqual(['ada@example.com']);
    expect(await relay.deps.metrics.render()).toContain('relay_crm_requests_total{operation="find_user",outcome="ok"} 1');
    // Past the hour the answer is kept, the agent is asked for again.
    relay.advance(60 * 60_000);
    await endedCall('CA3', '+14155550178');
    await relay.outbox.runDue();
    expect(relay.crm.asked('findUser')).toHaveLength(2);
  });

  it('waits for a CRM user lookup that failed as worth retrying; one the CRM refuses logs the call for the default owner', async () => {
    relay.crm.knowUsers({ 'ada@example.com': 'owner-ada' });
    await endedCall('CA1');
    relay.crm.fail('findUser', unavailable);
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toHaveLength(0);
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'pending', error: 'HTTP 503 Service Unavailable' });
    relay.advance(2_000);
    await relay.outbox.runDue();
    expect(records().map((r) => r.agent_crm_id)).toEqual(['owner-ada']);

    await relayWith({});
    relay.crm.knowUsers({ 'ada@example.com': 'owner-ada' });
    relay.crm.fail('findUser', { ok: false, error: 'HTTP 403 Forbidden: missing scope crm.objects.owners.read', retry: false, status: 403 });
    await endedCall('CA1');
    await endedCall('CA2', '+14155550177');
    await relay.outbox.runDue();
    expect(loggedFor()).toEqual([
      ['CA1', null],
      ['CA2', null],
    ]);
    // Refused once: not asked again for every call (ten minutes), and said once in the log.
    expect(relay.crm.asked('findUser')).toHaveLength(1);
    expect(relay.logs.filter((line) => line.includes('crm user lookup refused'))).toHaveLength(1);
    expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged');
  });

  it("logs the call for the default owner when the CRM refuses it for the agent's user, and stops offering that user", async () => {
    relay.crm.knowUsers({ 'ada@example.com': 'owner-ada' });
    relay.crm.fail('logCall', { ok: false, error: 'HTTP 403: a user without account settings access cannot create call logs for other users', retry: false, status: 403 });
    await endedCall('CA1');
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall').map((call) => (call as CrmCall).agent_crm_id)).toEqual(['owner-ada', null]);
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'logged', error: null });
    expect(relay.logs.filter((line) => line.includes("refused the call for its agent's user"))).toHaveLength(1);
    await endedCall('CA2', '+14155550177');
    await relay.outbox.runDue();
    expect(loggedFor()).toEqual([
      ['CA1', null],
      ['CA2', null],
    ]);
    expect(relay.crm.asked('logCall')).toHaveLength(3);
    // A refused token is no question of owner: one attempt, failed as it is.
    relay.crm.fail('logCall', { ok: false, error: 'HTTP 401 Unauthorized', retry: false, status: 401 });
    relay.advance(CRM_USER_TTL.noneMs);
    await endedCall('CA3', '+14155550178');
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toHaveLength(4);
    expect((await relay.callOf('CA3')).crm_log).toMatchObject({ state: 'failed', error: 'HTTP 401 Unauthorized' });
  });

  it("keeps the agent's user when the CRM refuses the call for the default owner too: the call was at fault, not the user", async () => {
    relay.crm.knowUsers({ 'ada@example.com': 'owner-ada' });
    relay.crm.fail('logCall', { ok: false, error: 'HTTP 400: Subject: data value too large', retry: false, status: 400 }, 2);
    await endedCall('CA1');
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall').map((call) => (call as CrmCall).agent_crm_id)).toEqual(['owner-ada', null]);
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'failed', error: 'HTTP 400: Subject: data value too large' });
    expect(relay.logs.filter((line) => line.includes("refused the call for its agent's user"))).toHaveLength(0);
    // The next call is still logged for Ada's user, found once for both.
    await endedCall('CA2', '+14155550177');
    await relay.outbox.runDue();
    expect(loggedFor()).toEqual([['CA2', 'owner-ada']]);
    expect(relay.crm.asked('findUser')).toHaveLength(1);
  });

  it('backs off exponentially while the CRM fails three times, then logs exactly one record', async () => {
    await endedCall();
    relay.crm.fail('logCall', unavailable, 3);
    await relay.outbox.runDue();
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'pending', error: 'HTTP 503 Service Unavailable' });
    for (const delay of [2_000, 4_000, 8_000]) {
      relay.advance(delay - 1);
      await relay.outbox.runDue();
      const before = relay.crm.asked('logCall').length;
      relay.advance(1);
      await relay.outbox.runDue();
      expect(relay.crm.asked('logCall').length).toBe(before + 1);
    }
    // Each attempt after a failed create first asks whether it landed.
    expect(relay.crm.asked('findCallLog')).toHaveLength(3);
    expect(relay.crm.records.size).toBe(1);
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'logged', id: 'act-1', error: null });
    expect(await relay.deps.metrics.render()).toContain('relay_crm_requests_total{operation="log_call",outcome="retry"} 3');
  });

  it('honours Retry-After when it is longer than the backoff', async () => {
    await endedCall();
    relay.crm.fail('logCall', { ok: false, error: 'HTTP 429 Too Many Requests', retry: true, status: 429, retryAfterMs: 30_000 });
    await relay.outbox.runDue();
    relay.advance(29_999);
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toHaveLength(1);
    relay.advance(1);
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toHaveLength(2);
    expect(relay.crm.records.size).toBe(1);
  });

  it('loses nothing while the CRM is down for ten minutes', async () => {
    await endedCall();
    relay.crm.fail('logCall', unavailable, 1_000);
    relay.crm.fail('findCallLog', unavailable, 1_000);
    const downUntil = relay.clock.ms + 10 * 60_000;
    while (relay.clock.ms < downUntil) {
      await relay.outbox.runDue();
      relay.clock.ms = (await relay.outbox.nextRunAt())!;
    }
    // Backoff keeps a CRM that is down from being hammered: a few tries, then a probe every 30 s at most.
    expect(relay.crm.asked('logCall').length).toBeLessThan(30);
    relay.crm.recover();
    relay.clock.ms = (await relay.outbox.nextRunAt())!;
    await relay.outbox.runDue();
    expect(relay.crm.records.size).toBe(1);
    expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged');
  });

  it('shows a permanent failure on the call and queues it again through the retry API', async () => {
    const call = await endedCall();
    relay.crm.fail('logCall', { ok: false, error: 'INVALID_AUTH_TOKEN: the access key is wrong', retry: false, status: 401 });
    await relay.outbox.runDue();
    const failed = { state: 'failed', id: null, url: null, error: 'INVALID_AUTH_TOKEN: the access key is wrong' };
    expect((await relay.callOf('CA1')).crm_log).toEqual(failed);
    expect(relay.pushed('CA1').at(-1)!.call.crm_log).toEqual(failed);
    expect((await relay.store.crmOutboxStats()).depth).toBe(0);
    relay.advance(60 * 60_000);
    await relay.outbox.runDue();
    expect(relay.crm.asked('logCall')).toHaveLength(1);

    const retried = await relay.call(relay.ada.token, 'POST', `/calls/${call.id}/crm-log/retry`);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ crm_log: { state: 'pending', error: null } });
    await relay.outbox.runDue();
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'logged', id: 'act-1' });
    const again = await relay.call(relay.ada.token, 'POST', `/calls/${call.id}/crm-log/retry`);
    expect(again.status).toBe(409);
  });
});

describe('the worker on its own', () => {
  it('runs due work from its timer once started, with no one calling runDue', async () => {
    await relay.outbox.start();
    await endedCall();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged'), WAIT);
    expect(relay.crm.asked('logCall')).toHaveLength(1);
  });

  it('writes other calls while one call\'s write hangs', async () => {
    const first = await endedCall('CA1');
    await relay.outbox.runDue();
    await patch(first.id, { notes: 'slow to save' });
    const release = relay.crm.hang('updateCall');
    const running = relay.outbox.runDue();
    await vi.waitFor(() => expect(relay.crm.asked('updateCall')).toHaveLength(1), WAIT);
    await endedCall('CA2');
    void relay.outbox.runDue();
    await vi.waitFor(async () => expect((await relay.callOf('CA2')).crm_log?.state).toBe('logged'), WAIT);
    expect((await relay.store.crmWorkOf(first.id))?.state).toBe('inflight');
    release();
    await running;
    expect((await relay.store.crmOutboxStats()).depth).toBe(0);
  });
});

describe('store cost', () => {
  it("runs a row in a claim, the store's plain reads of what it needs and its commit, then finds nothing more due", async () => {
    await endedCall();
    const transactions = vi.spyOn(relay.store, 'transaction');
    const names = ['callById', 'instanceByUid', 'agentById', 'agentIdsOfCall', 'crmWorkOf', 'requeueOrphanedCrmWork', 'claimDueCrmWork', 'nextCrmDue'] as const;
    const reads = names.map((name) => vi.spyOn(relay.store, name));
    expect(await relay.outbox.runDue()).toBe(1);
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'logged' });
    // What the row reads rides the store's next batch (no write lock, no disk sync of its own); claims and writes are transactions.
    const readOnce = names.filter((_, i) => reads[i]!.mock.calls.length === 1);
    expect(readOnce).toEqual(['callById', 'instanceByUid', 'agentById', 'agentIdsOfCall', 'crmWorkOf']);
    // The claim and the outcome's, which looked for more rows due: no claim transaction after it (issue 10).
    expect(transactions).toHaveBeenCalledTimes(2);
  });

  it("drains a backlog deeper than its batch claiming the next rows in its landings' transactions: one claim transaction of its own", async () => {
    const sids = ['CA1', 'CA2', 'CA3', 'CA4', 'CA5', 'CA6'];
    // The rows' outcomes wait for each other as long as the test does: they land together however busy the machine.
    await backlog({ batch: 2, landingWaitMs: WAIT.timeout }, sids);
    const transactions = vi.spyOn(relay.store, 'transaction');
    expect(await relay.outbox.runDue()).toBe(6);
    for (const sid of sids) expect((await relay.callOf(sid)).crm_log).toMatchObject({ state: 'logged' });
    expect(records()).toHaveLength(6);
    // The loop's first claim, then one transaction per two outcomes landed together, claiming what the slots they free can take.
    expect(transactions).toHaveBeenCalledTimes(1 + sids.length / 2);
  });

  it("leaves the claim to its loop when a held CRM's probe is due at a landing: the probe runs then, not once the loop is done", async () => {
    await relayWith({ outbox: { batch: 2 }, breaker: { opensAfter: 1 } });
    // CA2 logged, then its notes: an update row; then CA1 and CA3's logs. The loop claims CA2's and CA1's.
    const ca2 = await endedCall('CA2');
    await relay.outbox.runDue();
    expect((await patch(ca2.id, { notes: 'call back' })).status).toBe(200);
    for (const sid of ['CA1', 'CA3']) await endedCall(sid);
    const releaseLog = relay.crm.hang('logCall');
    const releaseUpdate = relay.crm.hang('updateCall');
    relay.crm.fail('logCall', REFUSED);
    relay.crm.fail('updateCall', REFUSED);
    const running = relay.outbox.runDue();
    await vi.waitFor(() => expect([relay.crm.asked('logCall'), relay.crm.asked('updateCall')].map((asked) => asked.length)).toEqual([2, 1]), WAIT);
    // CA1's log fails and holds the CRM; once the probe is due, CA2's update lands, failed too.
    releaseLog();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).crm_log?.error).toBe(REFUSED.error), WAIT);
    relay.clock.ms += BREAKER_DEFAULTS.firstProbeMs;
    releaseUpdate();
    // The loop claimed the probe at that landing and, the CRM answering it, every row after it.
    await running;
    for (const sid of ['CA1', 'CA2', 'CA3']) expect((await relay.callOf(sid)).crm_log).toMatchObject({ state: 'logged', error: null });
    expect((await relay.store.crmOutboxStats()).depth).toBe(0);
  });

  it('claims at a landing only the rows due by then: a row due later runs when it falls due', async () => {
    await backlog({ batch: 1 }, ['CA1', 'CA2', 'CA3']);
    const later = (await relay.callOf('CA3')).id;
    const dueAt = new Date(relay.clock.ms + 60_000).toISOString();
    await relay.store.putCrmWork({ ...(await relay.store.crmWorkOf(later))!, dueAt });
    expect(await relay.outbox.runDue()).toBe(2);
    expect(await relay.store.crmWorkOf(later)).toMatchObject({ state: 'queued', dueAt, lease: null });
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ call_id: 'CA1' }), expect.objectContaining({ call_id: 'CA2' })]);
    relay.clock.ms += 60_000;
    expect(await relay.outbox.runDue()).toBe(1);
    expect((await relay.callOf('CA3')).crm_log).toMatchObject({ state: 'logged' });
  });

  it('pushes the logged call exactly as the store reads it back, without reading it back: one read of the call for the row, one for its outcome', async () => {
    await endedCall();
    const view = Object.getPrototypeOf(await relay.store.transaction(async (tx) => tx)) as { callById: () => unknown };
    const callReads = { row: vi.spyOn(relay.store, 'callById'), outcome: vi.spyOn(view, 'callById') };
    expect(await relay.outbox.runDue()).toBe(1);
    expect([callReads.row.mock.calls.length, callReads.outcome.mock.calls.length]).toEqual([1, 1]);
    callReads.row.mockRestore();
    callReads.outcome.mockRestore();
    const stored = (await relay.callOf('CA1'))!;
    expect(stored.crm_log).toMatchObject({ state: 'logged' });
    expect(relay.published.at(-1)!.call).toBe(JSON.stringify(await relay.store.callById(stored.id)));
  });

  it('claims a row due at its commit in that same transaction: no claim transaction of its own', async () => {
    await relay.outbox.start();
    const claims = countClaims();
    await endedCall();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged'), WAIT);
    expect(claims.count).toBe(0);
    expect(relay.crm.asked('logCall')).toHaveLength(1);
    expect((await relay.store.crmOutboxStats()).depth).toBe(0);
  });

  it("logs a call that ended during its lookup from the lookup's transaction: no read transaction, no wake, the call as the read would give it", async () => {
    await relay.outbox.start();
    const release = relay.crm.hang('findContacts');
    await relay.inbound('CA1', CALLER).ringing();
    expect((await relay.inbound('CA1', CALLER).completed()).status).toBe(200);
    const transactions = vi.spyOn(relay.store, 'transaction');
    const nextDue = vi.spyOn(relay.store, 'nextCrmDue');
    release();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged'), WAIT);
    // The lookup's (the contact, the row claimed) and the outcome's.
    expect(transactions).toHaveBeenCalledTimes(2);
    expect(nextDue).not.toHaveBeenCalled();
    expect(relay.crm.asked('logCall')).toEqual([toCrmCall(await relay.callOf('CA1'), await relay.store.agentById(relay.ada.id))]);
    expect(relay.crm.asked('logCall')[0]).toMatchObject({ contact_id: GRACE.id, agent_name: 'Ada', status: 'completed' });
    expect((await relay.store.crmOutboxStats()).depth).toBe(0);
  });

  it("logs from the lookup's transaction while the worker's loop runs other rows too: no claim or read transaction of its own", async () => {
    // A row queued before the start (another caller: no cached contact for CA1): the start's wake
    // runs it in a `runDue` loop, which stays on while its write hangs.
    relay.crm.contacts.set(OTHER_CALLER, [ALAN]);
    await endedCall('CA2', OTHER_CALLER);
    const releaseLog = relay.crm.hang('logCall');
    await relay.outbox.start();
    await vi.waitFor(() => expect(relay.crm.asked('logCall')).toHaveLength(1), WAIT);
    const releaseLookup = relay.crm.hang('findContacts');
    await relay.inbound('CA1', CALLER).ringing();
    expect((await relay.inbound('CA1', CALLER).completed()).status).toBe(200);
    const transactions = vi.spyOn(relay.store, 'transaction');
    releaseLookup();
    await vi.waitFor(() => expect(relay.crm.asked('logCall')).toHaveLength(2), WAIT);
    // The lookup's only: the row was claimed there and started from what it read.
    expect(transactions).toHaveBeenCalledTimes(1);
    expect(relay.crm.asked('logCall')[1]).toEqual(toCrmCall(await relay.callOf('CA1'), await relay.store.agentById(relay.ada.id)));
    releaseLog();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged'), WAIT);
    await vi.waitFor(async () => expect((await relay.callOf('CA2')).crm_log?.state).toBe('logged'), WAIT);
    expect(records()).toHaveLength(2);
  });

  it("claims nothing more when rows claimed at their commit land beside the worker's loop", async () => {
    // Before the start, a logged call's update queued: the start's wake runs it in a `runDue` loop, which stays on while it hangs.
    relay.crm.contacts.set(OTHER_CALLER, [ALAN]);
    await endedCall('CA2', OTHER_CALLER);
    await relay.outbox.runDue();
    expect((await patch((await relay.callOf('CA2')).id, { notes: 'call back' })).status).toBe(200);
    const releaseUpdate = relay.crm.hang('updateCall');
    await relay.outbox.start();
    await vi.waitFor(() => expect(relay.crm.asked('updateCall')).toHaveLength(1), WAIT);
    // CA1's row, claimed at its commit, is in flight when the loop's own row lands.
    const releaseLog = relay.crm.hang('logCall');
    await endedCall('CA1');
    await vi.waitFor(() => expect(relay.crm.asked('logCall')).toHaveLength(2), WAIT);
    const claims = countClaims();
    releaseUpdate();
    await vi.waitFor(async () => expect((await relay.store.crmWorkOf((await relay.callOf('CA2')).id))).toBeUndefined(), WAIT);
    releaseLog();
    await vi.waitFor(() => expect(relay.pushed('CA1').at(-1)).toMatchObject({ call: { crm_log: { state: 'logged' } } }), WAIT);
    // A transaction queued after any claim that CA1's landing started: once it is done, that claim has run.
    await relay.store.transaction(async () => undefined);
    // The claim in the transaction that landed the loop's own row; none after CA1's.
    expect(claims.count).toBe(1);
    expect((await relay.store.crmOutboxStats()).depth).toBe(0);
  });

  it('runs nothing for a row claimed in a transaction that rolls back, and gives its slot back', async () => {
    await relayWith({ outbox: { batch: 1 } });
    await relay.outbox.start();
    const at = relay.clock.ms;
    const failed = relay.store.transaction(async (tx) => {
      const work = { callId: 999, instanceUid: 'gone', state: 'queued' as const, dueAt: new Date(at).toISOString(), attempts: 0, lastError: null, again: false, uncertain: false, lease: null, createdAt: new Date(at).toISOString() };
      expect(relay.outbox.queueWithCommit(tx, work, work.dueAt).state).toBe('inflight');
      throw new Error('the call change failed');
    });
    await expect(failed).rejects.toThrow('the call change failed');
    // The one slot is free again: the next row due at its commit is claimed there, with no claim transaction of its own.
    const claims = countClaims();
    await endedCall();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged'), WAIT);
    expect(claims.count).toBe(0);
    expect(relay.crm.asked('logCall')).toHaveLength(1);
  });

  it('retries a row claimed at its commit after its backoff, not a lease later', async () => {
    await relayWith({ outbox: { baseDelayMs: 5 } });
    await relay.outbox.start();
    relay.crm.fail('logCall', { ok: false, error: 'HTTP 503: try later', retry: true });
    await endedCall();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).crm_log?.error).toBe('HTTP 503: try later'), WAIT);
    relay.clock.ms += 5;
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged'), WAIT);
    expect(relay.crm.asked('logCall')).toHaveLength(2);
  });

  it('reads the next due time once for wakes that come while it is being read, not once each', async () => {
    await relay.outbox.start();
    const nextDue = vi.spyOn(relay.store, 'nextCrmDue');
    for (let i = 0; i < 10; i++) relay.outbox.wake();
    await vi.waitFor(() => expect(nextDue).toHaveBeenCalledTimes(2), WAIT);
    await Promise.all(nextDue.mock.results.map((result) => result.value));
    await new Promise((resolve) => setImmediate(resolve));
    expect(nextDue).toHaveBeenCalledTimes(2);
  });

  it("wakes no one at the commit of a row claimed there, or of one left queued for want of room: the next landing claims it (issue 10: a burst's update webhooks read the next due time)", async () => {
    await relayWith({ outbox: { batch: 1 } });
    await relay.outbox.start();
    const releaseLog = relay.crm.hang('logCall');
    await relay.inbound('CA1', CALLER).ringing();
    await relay.inbound('CA2', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA2').length).toBeGreaterThan(0), WAIT);
    const nextDue = vi.spyOn(relay.store, 'nextCrmDue');
    // CA1's row is claimed at its commit and its write hangs; CA2's finds the one slot taken.
    expect((await relay.inbound('CA1', CALLER).completed()).status).toBe(200);
    await vi.waitFor(() => expect(relay.crm.asked('logCall')).toHaveLength(1), WAIT);
    expect((await relay.inbound('CA2', CALLER).completed()).status).toBe(200);
    expect((await relay.store.crmWorkOf((await relay.callOf('CA2')).id))?.state).toBe('queued');
    expect(nextDue).not.toHaveBeenCalled();

    releaseLog();
    await vi.waitFor(async () => expect((await relay.callOf('CA2')).crm_log?.state).toBe('logged'), WAIT);
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ call_id: 'CA1' }), expect.objectContaining({ call_id: 'CA2' })]);
    expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged');
  });

  it('sets no timer for a row due while every slot is taken: a loop with no room to claim ran and scheduled again, over and over (issue 10)', async () => {
    await relayWith({ outbox: { batch: 1 } });
    await relay.outbox.start();
    const releaseLog = relay.crm.hang('logCall');
    await endedCall('CA1');
    await vi.waitFor(() => expect(relay.crm.asked('logCall')).toHaveLength(1), WAIT);
    await endedCall('CA2');
    const nextDue = vi.spyOn(relay.store, 'nextCrmDue');
    const runs = vi.spyOn(relay.outbox, 'runDue');
    relay.outbox.wake();
    expect(nextDue).toHaveBeenCalledTimes(1);
    await nextDue.mock.results[0]!.value;
    // A timer due at once would have been set by now; this one, set after it, runs after it.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await relay.store.transaction(async () => undefined);
    expect(runs).not.toHaveBeenCalled();
    expect(nextDue).toHaveBeenCalledTimes(1);

    releaseLog();
    await vi.waitFor(async () => expect((await relay.callOf('CA2')).crm_log?.state).toBe('logged'), WAIT);
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ call_id: 'CA1' }), expect.objectContaining({ call_id: 'CA2' })]);
  });
});

describe('outcomes that land together', () => {
  /** Runs every store transaction with `setCallCrmLog` (how an outcome is stored) replaced by `wrap(tx)`. */
  function wrapSetCallCrmLog(wrap: (tx: StoreTx) => StoreTx['setCallCrmLog']) {
    overTransactions((tx) => ({ setCallCrmLog: wrap(tx) }));
  }

  it('stores the others when one outcome cannot be stored, and leaves that row in flight', async () => {
    await backlog({ landingWaitMs: WAIT.timeout }, ['CA1', 'CA2']);
    const broken = (await relay.callOf('CA1')).id;
    const stored: number[] = [];
    wrapSetCallCrmLog((tx) => async (id, ...rest) => {
      stored.push(id);
      if (id === broken) throw new Error('disk full');
      return tx.setCallCrmLog(id, ...rest);
    });
    await relay.outbox.runDue();
    expect((await relay.callOf('CA2')).crm_log).toMatchObject({ state: 'logged' });
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'pending' });
    expect((await relay.store.crmWorkOf(broken))?.state).toBe('inflight');
    // Both outcomes in one transaction first, rolled back at CA1's; then each in a transaction of its own.
    expect(stored.filter((id) => id === broken)).toHaveLength(2);
    expect(relay.crm.asked('logCall')).toHaveLength(2);
  });

  it('commits the outcomes that land while the others are in flight in one transaction, which claims for every slot they free', async () => {
    const sids = ['CA1', 'CA2', 'CA3', 'CA4', 'CA5', 'CA6'];
    await backlog({ batch: 3, landingWaitMs: WAIT.timeout }, sids);
    // Each transaction's outcomes stored and rows claimed, in the order the transactions ran.
    const transactions: Array<{ stored: number; claimed: number }> = [];
    overTransactions((tx) => {
      const counts = { stored: 0, claimed: 0 };
      transactions.push(counts);
      return {
        setCallCrmLog: (...args) => {
          counts.stored += 1;
          return tx.setCallCrmLog(...args);
        },
        claimDueCrmWork: async (...args) => {
          const claimed = await tx.claimDueCrmWork(...args);
          counts.claimed += claimed.length;
          return claimed;
        },
      };
    });
    // The first three writes hang, then answer in turns of their own, one after another.
    const release = relay.crm.hang('logCall');
    const running = relay.outbox.runDue();
    await vi.waitFor(() => expect(relay.crm.asked('logCall')).toHaveLength(3), WAIT);
    release();
    expect(await running).toBe(6);
    for (const sid of sids) expect((await relay.callOf(sid)).crm_log).toMatchObject({ state: 'logged' });
    expect(records()).toHaveLength(6);
    // The loop's claim; three outcomes and the three rows claimed into their slots; the last three outcomes.
    expect(transactions).toEqual([
      { stored: 0, claimed: 3 },
      { stored: 3, claimed: 3 },
      { stored: 3, claimed: 0 },
    ]);
  });

  it('lands each row alone when the transaction of several rolls back: every outcome stored once, each record made once', async () => {
    await backlog({ batch: 2, landingWaitMs: WAIT.timeout }, ['CA1', 'CA2']);
    // The first transaction that stores two outcomes fails once its work is done, as a commit that fails would.
    let failed = 0;
    const transaction = relay.store.transaction.bind(relay.store);
    vi.spyOn(relay.store, 'transaction').mockImplementation((work) =>
      transaction(async (tx) => {
        let stored = 0;
        const value = await work(
          Object.assign(Object.create(tx) as StoreTx, {
            setCallCrmLog: (...args: Parameters<StoreTx['setCallCrmLog']>) => {
              stored += 1;
              return tx.setCallCrmLog(...args);
            },
          }),
        );
        if (stored === 2 && failed++ === 0) throw new Error('disk full');
        return value;
      }),
    );
    expect(await relay.outbox.runDue()).toBe(2);
    expect(failed).toBe(1);
    for (const sid of ['CA1', 'CA2']) expect((await relay.callOf(sid)).crm_log).toMatchObject({ state: 'logged' });
    expect(relay.crm.asked('logCall')).toHaveLength(2);
    expect(records()).toHaveLength(2);
    expect((await relay.store.crmOutboxStats()).depth).toBe(0);
    expect(relay.pushed('CA1').filter((e) => e.call.crm_log?.state === 'logged')).toHaveLength(1);
    expect(relay.pushed('CA2').filter((e) => e.call.crm_log?.state === 'logged')).toHaveLength(1);
  });

  describe('on a fake clock', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("commits an outcome once it has waited landingWaitMs for a row still out, never later: the log's latency bound", async () => {
      await relayWith({ outbox: { batch: 2, landingWaitMs: 50 } });
      // CA2 logged, then its notes: an update row; then CA1's log. The loop claims both; CA2's update hangs.
      const ca2 = await endedCall('CA2');
      await relay.outbox.runDue();
      expect((await patch(ca2.id, { notes: 'call back' })).status).toBe(200);
      await endedCall('CA1');
      const releaseUpdate = relay.crm.hang('updateCall');
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const answered = vi.spyOn(relay.deps.crm.breaker, 'record');
      const transactions = vi.spyOn(relay.store, 'transaction');
      const running = relay.outbox.runDue();
      // CA1's answer: from it to its landing is promise steps only, all run before the next turn.
      await turnsUntil(() => answered.mock.calls.length === 1 && relay.crm.asked('updateCall').length === 1);
      await turnsUntil(() => true);
      expect(transactions).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(49);
      expect(transactions).toHaveBeenCalledTimes(1);
      expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'pending' });
      await vi.advanceTimersByTimeAsync(1);
      expect(transactions).toHaveBeenCalledTimes(2);
      await turnsUntil(async () => (await relay.callOf('CA1')).crm_log?.state === 'logged');
      // CA2's outcome, the last row in flight, lands without waiting.
      releaseUpdate();
      await running;
      expect((await relay.callOf('CA2')).crm_log).toMatchObject({ state: 'logged' });
      expect(transactions).toHaveBeenCalledTimes(3);
    });
  });

  it("gives back the slots of the rows an outcome's transaction claimed when it rolls back: the loop claims them itself", async () => {
    await backlog({ batch: 1 }, ['CA1', 'CA2']);
    // The second claim, the one in CA1's outcome, takes CA2; that transaction then fails once its hooks are
    // set (as a commit that fails would): it rolls back.
    let claims = 0;
    overTransactions((tx) => ({
      claimDueCrmWork: (...args) => {
        claims += 1;
        return tx.claimDueCrmWork(...args);
      },
      afterCommit: (...args) => {
        tx.afterCommit(...args);
        if (claims === 2) throw new Error('disk full');
      },
    }));
    expect(await relay.outbox.runDue()).toBe(2);
    // The loop's, CA1's outcome's (rolled back), the loop's own again (CA1's landing claimed nothing), CA2's outcome's.
    expect(claims).toBe(4);
    expect((await relay.callOf('CA2')).crm_log).toMatchObject({ state: 'logged' });
    expect((await relay.store.crmWorkOf((await relay.callOf('CA1')).id))?.state).toBe('inflight');
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ call_id: 'CA1' }), expect.objectContaining({ call_id: 'CA2' })]);
  });
});

describe('restarts', () => {
  it('commits nothing when another relay took the row over mid-write; that relay links the record the write made', async () => {
    const call = await endedCall();
    const release = relay.crm.hang('logCall');
    const running = relay.outbox.runDue();
    await vi.waitFor(() => expect(relay.crm.asked('logCall')).toHaveLength(1), WAIT);
    // This relay stalls past its lease: another relay on the same store finds the row orphaned and claims it.
    const at = (ms: number) => new Date(relay.clock.ms + ms).toISOString();
    expect(await relay.store.requeueOrphanedCrmWork(at(OUTBOX_DEFAULTS.leaseMs))).toBe(1);
    const other = { owner: 'relay_other', until: at(2 * OUTBOX_DEFAULTS.leaseMs) };
    expect(await relay.store.claimDueCrmWork(at(OUTBOX_DEFAULTS.leaseMs), 10, other)).toHaveLength(1);
    release();
    await running;
    expect((await relay.callOf('CA1')).crm_log).toEqual({ state: 'pending', id: null, url: null, error: null });
    expect(await relay.store.crmWorkOf(call.id)).toMatchObject({ state: 'inflight', uncertain: true, lease: other });
    expect(relay.logs.join('\n')).toContain('taken over while its write was out');
    // The other relay dies too; whoever runs the row next asks the CRM first and links the one record.
    relay.clock.ms += 2 * OUTBOX_DEFAULTS.leaseMs;
    await relay.outbox.runDue();
    expect(relay.crm.asked('findCallLog')).toHaveLength(1);
    expect(relay.crm.asked('logCall')).toHaveLength(1);
    expect(records()).toHaveLength(1);
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'logged', id: 'act-1' });
  });

  it('asks the CRM before creating again when a row was left in flight', async () => {
    const call = await endedCall();
    // The relay that died had claimed the row and the CRM had created the record (from the call as it was then); its commit never came.
    expect(await relay.store.claimDueCrmWork(new Date(relay.clock.ms).toISOString(), 10, { owner: 'relay_dead', until: new Date(relay.clock.ms + 60_000).toISOString() })).toHaveLength(1);
    await relay.crm.logCall({ ...toCrmCall(call, undefined), status: 'in-progress', duration: null });
    const restarted = new CrmOutboxWorker(relay.deps, { ...OUTBOX_DEFAULTS, random: () => 1 });
    await restarted.start();
    await restarted.runDue();
    await restarted.stop();
    expect(relay.crm.asked('findCallLog')).toHaveLength(1);
    expect(relay.crm.asked('logCall')).toHaveLength(1);
    expect((await relay.callOf('CA1')).crm_log).toMatchObject({ state: 'logged', id: 'act-1' });
    // The found record was written before the call's last state: one update brings it up to date.
    expect(relay.crm.asked('updateCall')).toEqual([{ recordId: 'act-1', call: expect.objectContaining({ status: 'completed', duration: 42 }) }]);
  });
});
