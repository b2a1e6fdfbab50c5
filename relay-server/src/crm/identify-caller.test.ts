import { type Contact, REDACTED } from '@phone-connector/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { crmTestRelay } from '../testing.ts';

const GRACE: Contact = { id: '12x1', name: 'Grace Hopper', company: 'Navy', url: 'https://crm.example.test/contacts/12x1' };
const CALLER = '+14155550199';
const WAIT = { timeout: 10_000, interval: 10 };

/** Waits for `condition` on the event loop's turns, not on timers, which a test of the hold fakes. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

let relay: Awaited<ReturnType<typeof crmTestRelay>>;

/** A spy on a store method as transactions call it: their `tx` takes the tables' methods once, when the store's module loads. */
async function spyInTransactions(name: 'callById' | 'crmWorkOf' | 'instanceByUid') {
  const view = Object.getPrototypeOf(await relay.store.transaction(async (tx) => tx)) as Record<typeof name, () => unknown>;
  return vi.spyOn(view, name);
}
beforeEach(async () => {
  relay = await crmTestRelay();
});
afterEach(() => {
  vi.useRealTimers();
  return relay.outbox.stop();
});

describe('caller identification', () => {
  it('puts the contact on the first pushed event when the CRM answers in time', async () => {
    relay.crm.contacts.set(CALLER, [GRACE]);
    expect((await relay.inbound('CA1', CALLER).ringing()).status).toBe(200);
    await vi.waitFor(() => expect(relay.pushed('CA1').length).toBeGreaterThan(0), WAIT);
    const [first] = relay.pushed('CA1');
    expect(first).toMatchObject({ kind: 'created', call: { contact: GRACE, contacts: [GRACE], new_contact_url: null, crm_log: null } });
    expect(relay.crm.asked('findContacts')).toEqual([CALLER]);
    expect(await relay.callOf('CA1')).toMatchObject({ contact: GRACE, contacts: [GRACE] });
  });

  it('lets the popup go when the CRM is slow, and follows with an updated event when it answers', async () => {
    relay.holdAsInProduction();
    relay.crm.contacts.set(CALLER, [GRACE]);
    const release = relay.crm.hang('findContacts');
    const response = await relay.inbound('CA1', CALLER).ringing();
    // The provider's reply never waits for the CRM.
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<Dial');
    await vi.waitFor(() => expect(relay.pushed('CA1')).toHaveLength(1), WAIT);
    expect(relay.pushed('CA1')[0]).toMatchObject({ kind: 'created', call: { contact: null, contacts: [] } });
    release();
    await vi.waitFor(() => expect(relay.pushed('CA1')).toHaveLength(2), WAIT);
    expect(relay.pushed('CA1')[1]).toMatchObject({ kind: 'updated', call: { contact: GRACE, contacts: [GRACE] } });
  });

  it("names the caller on the first event when the hold ends before the company's follow-up answers, then adds the company (issue 10)", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    relay.crm.contacts.set(CALLER, [GRACE]);
    const release = relay.crm.holdFollowUps();
    await relay.inbound('CA1', CALLER).ringing();
    await until(() => relay.crm.searched.length === 1);
    expect(relay.pushed('CA1')).toEqual([]);
    // The hold's deadline: the search has answered, its follow-up has not.
    vi.advanceTimersByTime(relay.deps.crm.settings.holdMs);
    vi.useRealTimers();
    // The held first event and the attach's own, as when the whole answer is in time.
    await vi.waitFor(() => expect(relay.pushed('CA1')).toHaveLength(2), WAIT);
    const named = { ...GRACE, company: null };
    expect(relay.pushed('CA1').map((e) => [e.kind, e.call.contact, e.call.contacts])).toEqual([
      ['created', named, [named]],
      ['updated', named, [named]],
    ]);
    // Never cached as if complete: the next caller's lookup asks the CRM.
    const { uid } = (await relay.store.instanceOf(relay.ada.id, 'main'))!;
    expect(relay.deps.crm.lookup.cached(uid, CALLER)).toBeUndefined();
    // The call ends before the company comes: its log waits for the lookup, and is written once, with the contact.
    await relay.inbound('CA1', CALLER).completed();
    expect(await relay.outbox.runDue()).toBe(0);
    release();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).contact).toEqual(GRACE), WAIT);
    await vi.waitFor(async () => expect((await relay.store.nextCrmDue())! <= relay.deps.now().toISOString()).toBe(true), WAIT);
    expect(await relay.outbox.runDue()).toBe(1);
    expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ call_id: 'CA1', contact_id: GRACE.id })]);
    expect(relay.crm.asked('updateCall')).toEqual([]);
    expect(relay.pushed('CA1').map((e) => [e.kind, e.call.status, e.call.contact?.company ?? null]).slice(0, 4)).toEqual([
      ['created', 'ringing', null],
      ['updated', 'ringing', null],
      ['updated', 'completed', null],
      ['updated', 'completed', GRACE.company],
    ]);
    expect(relay.pushed('CA1')[3]!.call).toMatchObject({ contact: GRACE, contacts: [GRACE] });
    expect(relay.deps.crm.lookup.cached(uid, CALLER)).toEqual([GRACE]);
  });

  it('keeps one attach and one event when the follow-up answers before the hold ends', async () => {
    relay.crm.contacts.set(CALLER, [GRACE]);
    const release = relay.crm.holdFollowUps();
    await relay.inbound('CA1', CALLER).ringing();
    await until(() => relay.crm.searched.length === 1);
    release();
    await vi.waitFor(() => expect(relay.pushed('CA1').length).toBeGreaterThan(0), WAIT);
    const call = await relay.callOf('CA1');
    await vi.waitFor(() => expect(relay.deps.crm.lookup.isIdentifying(call.id)).toBe(false), WAIT);
    // The held first event and the attach's own, both complete, as for a CRM without follow-ups: no event more.
    expect(relay.pushed('CA1').map((e) => [e.kind, e.call.contact, e.call.contacts])).toEqual([
      ['created', GRACE, [GRACE]],
      ['updated', GRACE, [GRACE]],
    ]);
    expect(relay.published).toHaveLength(2);
  });

  it("adds the company to the contact the agent picked while it was due, and links no other", async () => {
    const other: Contact = { id: '12x2', name: 'G. Hopper', company: 'Remington Rand', url: null };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    relay.crm.contacts.set(CALLER, [GRACE, other]);
    const release = relay.crm.holdFollowUps();
    await relay.inbound('CA1', CALLER).ringing();
    await until(() => relay.crm.searched.length === 1);
    vi.advanceTimersByTime(relay.deps.crm.settings.holdMs);
    vi.useRealTimers();
    await vi.waitFor(() => expect(relay.pushed('CA1')).toHaveLength(2), WAIT);
    const { id } = await relay.callOf('CA1');
    expect((await relay.call(relay.ada.token, 'PATCH', `/calls/${id}`, { contact_id: other.id })).status).toBe(200);
    release();
    await vi.waitFor(async () => expect((await relay.callOf('CA1')).contacts).toEqual([GRACE, other]), WAIT);
    expect((await relay.callOf('CA1')).contact).toEqual(other);
    expect(relay.pushed('CA1').at(-1)).toMatchObject({ kind: 'updated', call: { contact: other, contacts: [GRACE, other] } });
  });

  it('keeps the agent events in seq order while the first one waits for the CRM', async () => {
    relay.crm.contacts.set(CALLER, [GRACE]);
    const release = relay.crm.hang('findContacts');
    await relay.inbound('CA1', CALLER).ringing();
    await relay.twilioWebhook(relay.hooks.status, { CallSid: 'CA1', CallStatus: 'in-progress' });
    expect(relay.pushed('CA1')).toEqual([]);
    release();
    await vi.waitFor(() => expect(relay.pushed('CA1')).toHaveLength(3), WAIT);
    const seqs = relay.published.filter((e) => e.agentId === relay.ada.id).map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Live, every event shows the call as it is once the contact is in: the contact never flickers.
    expect(relay.pushed('CA1').map((e) => [e.kind, e.call.status, e.call.contact?.id ?? null])).toEqual([
      ['created', 'in-progress', GRACE.id],
      ['updated', 'in-progress', GRACE.id],
      ['updated', 'in-progress', GRACE.id],
    ]);
  });

  it('keeps the call going without a contact when the CRM is down, and asks again on the next call', async () => {
    relay.crm.fail('findContacts', { ok: false, error: 'connect ECONNREFUSED', retry: true }, 2);
    expect((await relay.inbound('CA1', CALLER).ringing()).status).toBe(200);
    await vi.waitFor(() => expect(relay.pushed('CA1')).toHaveLength(1), WAIT);
    expect(relay.pushed('CA1')[0]!.call).toMatchObject({ contact: null, contacts: [], new_contact_url: null });
    await relay.inbound('CA2', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA2')).toHaveLength(1), WAIT);
    expect(relay.crm.asked('findContacts')).toEqual([CALLER, CALLER]);
    expect(relay.logs.some((line) => line.includes('caller lookup failed') && line.includes('ECONNREFUSED'))).toBe(true);
  });

  it('offers the CRM new-contact form when nothing matches', async () => {
    await relay.inbound('CA1', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA1').length).toBeGreaterThan(0), WAIT);
    expect(relay.pushed('CA1')[0]!.call).toMatchObject({ contact: null, contacts: [], new_contact_url: 'https://crm.example.test/contacts/new?phone=%2B14155550199' });
  });

  it('lists every match and links the first', async () => {
    const other: Contact = { id: '12x2', name: 'G. Hopper', company: null, url: null };
    relay.crm.contacts.set(CALLER, [GRACE, other]);
    await relay.inbound('CA1', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA1').length).toBeGreaterThan(0), WAIT);
    expect(relay.pushed('CA1')[0]!.call).toMatchObject({ contact: GRACE, contacts: [GRACE, other] });
  });

  it('looks up the number an extension-placed call went to', async () => {
    relay.crm.contacts.set(CALLER, [GRACE]);
    const response = await relay.call(relay.ada.token, 'POST', '/calls', { instance: 'main', call_id: 'OUT1', to_number: CALLER });
    expect(response.status).toBe(201);
    await vi.waitFor(() => expect(relay.pushed('OUT1').length).toBeGreaterThan(0), WAIT);
    expect(relay.pushed('OUT1')[0]!.call).toMatchObject({ direction: 'outbound', contact: GRACE });
  });

  it("looks up a placed call's customer when the extension's report comes after the provider's first webhook", async () => {
    relay.crm.contacts.set(CALLER, [GRACE]);
    // Twilio's status callback for a call it places says nothing of the direction: no number is the customer's yet.
    await relay.twilioWebhook(relay.hooks.status, { CallSid: 'OUT2', CallStatus: 'initiated', From: '+15005550006', To: '+14155550111' });
    expect(relay.crm.asked('findContacts')).toEqual([]);
    const response = await relay.call(relay.ada.token, 'POST', '/calls', { instance: 'main', call_id: 'OUT2', to_number: CALLER });
    expect(response.status).toBe(200);
    await vi.waitFor(async () => expect(await relay.callOf('OUT2')).toMatchObject({ direction: 'outbound', contact: GRACE }), WAIT);
    expect(relay.crm.asked('findContacts')).toEqual([CALLER]);
  });
});

describe('lookup cache', () => {
  it('answers a known number from the cache at no cost, with the contact on the first event', async () => {
    relay.crm.contacts.set(CALLER, [GRACE]);
    await relay.inbound('CA1', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA1').length).toBeGreaterThan(0), WAIT);
    await relay.inbound('CA2', CALLER).ringing();
    // Published in the webhook's own tick: nothing was held.
    expect(relay.pushed('CA2')[0]).toMatchObject({ kind: 'created', call: { contact: GRACE } });
    expect(relay.crm.asked('findContacts')).toHaveLength(1);
    expect(await relay.deps.metrics.render()).toMatch(/relay_crm_lookups_total\{source="cache"\} 1/);
  });

  it("runs on the instance the webhook guard read: the call's transaction reads it no more, cached contact included", async () => {
    relay.crm.contacts.set(CALLER, [GRACE]);
    await relay.inbound('CA1', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA1')[0]).toMatchObject({ call: { contact: GRACE } }), WAIT);
    // In transactions only: the guard's plain read goes around them.
    const reads = await spyInTransactions('instanceByUid');
    await relay.inbound('CA2', CALLER).ringing();
    await relay.twilioWebhook(relay.hooks.status, { CallSid: 'CA2', CallStatus: 'in-progress' });
    expect(relay.pushed('CA2').map((e) => [e.kind, e.call.status, e.call.contact?.id])).toEqual([
      ['created', 'ringing', GRACE.id],
      ['updated', 'in-progress', GRACE.id],
    ]);
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
  });

  it('believes a match ten minutes and a miss one minute', async () => {
    relay.crm.contacts.set(CALLER, [GRACE]);
    const miss = '+14155550188';
    const ring = async (sid: string, from: string) => {
      await relay.inbound(sid, from).ringing();
      await vi.waitFor(() => expect(relay.pushed(sid).length).toBeGreaterThan(0), WAIT);
    };
    await ring('CA1', CALLER);
    await ring('CA2', miss);
    relay.advance(59_000);
    await ring('CA3', CALLER);
    await ring('CA4', miss);
    expect(relay.crm.asked('findContacts')).toEqual([CALLER, miss]);
    relay.advance(2_000);
    await ring('CA5', miss);
    expect(relay.crm.asked('findContacts')).toEqual([CALLER, miss, miss]);
    relay.advance(9 * 60_000);
    await ring('CA6', CALLER);
    expect(relay.crm.asked('findContacts')).toEqual([CALLER, miss, miss, CALLER]);
  });

  it('forgets an instance numbers when its CRM setup is saved, and the test lookup skips the cache', async () => {
    relay.crm.contacts.set(CALLER, [GRACE]);
    await relay.inbound('CA1', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA1').length).toBeGreaterThan(0), WAIT);
    const tested = await relay.call(relay.ada.token, 'POST', '/instances/main/crm/test', { number: CALLER });
    expect(await tested.json()).toEqual({ ok: true, contacts: [GRACE], error: null });
    expect(relay.crm.asked('findContacts')).toEqual([CALLER, CALLER]);
    const saved = await relay.call(relay.ada.token, 'PUT', '/instances/main', { connector: 'twilio', config: { authid: 'AC123', authtoken: REDACTED } });
    expect(saved.status).toBe(200);
    await relay.inbound('CA2', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA2').length).toBeGreaterThan(0), WAIT);
    expect(relay.crm.asked('findContacts')).toEqual([CALLER, CALLER, CALLER]);
  });
});

describe('the calls the CRM side writes', () => {
  it('pushes each change exactly as the store reads the call back, and reads neither the call nor its outbox row again to write it', async () => {
    relay.holdAsInProduction();
    relay.crm.contacts.set(CALLER, [GRACE]);
    const lastPushed = (sid: string) => relay.published.filter((e) => (JSON.parse(e.call) as { call_id: string }).call_id === sid).at(-1)!.call;
    const asStored = async (sid: string) => JSON.stringify(await relay.store.callById((await relay.callOf(sid)).id));
    // The lookup's contact, after the first event went without it.
    const release = relay.crm.hang('findContacts');
    await relay.inbound('CA1', CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed('CA1')).toHaveLength(1), WAIT);
    release();
    await vi.waitFor(() => expect(relay.pushed('CA1')).toHaveLength(2), WAIT);
    expect(lastPushed('CA1')).toBe(await asStored('CA1'));
    // The cached contact, and the pending log of the call's end, written in the webhooks' transactions.
    await relay.outbox.stop();
    const reads = [await spyInTransactions('callById'), await spyInTransactions('crmWorkOf')];
    await relay.inbound('CA2', CALLER).ringing();
    expect(lastPushed('CA2')).toBe(await asStored('CA2'));
    expect(JSON.parse(lastPushed('CA2'))).toMatchObject({ contact: GRACE, crm_log: null });
    reads.forEach((read) => read.mockClear());
    await relay.inbound('CA2', CALLER).completed();
    for (const read of reads) expect(read).not.toHaveBeenCalled();
    expect(lastPushed('CA2')).toBe(await asStored('CA2'));
    expect(JSON.parse(lastPushed('CA2'))).toMatchObject({ status: 'completed', contact: GRACE, crm_log: { state: 'pending' } });
    expect(await relay.store.crmWorkOf((await relay.callOf('CA2')).id)).toMatchObject({ state: 'queued', attempts: 0 });
    reads.forEach((read) => read.mockRestore());
  });
});

describe('lookup bounds', () => {
  it('runs at most four lookups of one instance at once; the others wait their turn', async () => {
    const release = relay.crm.hang('findContacts');
    const numbers = ['+14155550101', '+14155550102', '+14155550103', '+14155550104', '+14155550105', '+14155550106'];
    for (const [i, number] of numbers.entries()) expect((await relay.inbound(`CA${i}`, number).ringing()).status).toBe(200);
    await vi.waitFor(() => expect(relay.crm.asked('findContacts').length).toBeGreaterThanOrEqual(4), WAIT);
    expect(relay.crm.asked('findContacts')).toHaveLength(4);
    release();
    await vi.waitFor(() => expect(relay.crm.asked('findContacts')).toEqual(numbers), WAIT);
  });

  it('sends the lookups that waited for a slot in batches, when the CRM searches several numbers at once: ten lookups in six searches, each contact on its call', async () => {
    relay.crm.lookupBatch = 3;
    const numbers = Array.from({ length: 10 }, (_, i) => `+141555501${String(i).padStart(2, '0')}`);
    for (const number of numbers) relay.crm.contacts.set(number, [{ ...GRACE, id: `12x${number.slice(-2)}` }]);
    const release = relay.crm.hang('findContacts');
    for (const [i, number] of numbers.entries()) expect((await relay.inbound(`CA${i}`, number).ringing()).status).toBe(200);
    await vi.waitFor(() => expect(relay.crm.asked('findContacts')).toHaveLength(4), WAIT);
    release();
    // The four slots free at once; the six waiting go three to a search, in the order they came.
    await vi.waitFor(() => expect(relay.crm.asked('findContactsOf')).toEqual([numbers.slice(4, 7), numbers.slice(7, 10)]), WAIT);
    expect(relay.crm.asked('findContacts')).toEqual(numbers.slice(0, 4));
    for (const [i, number] of numbers.entries()) {
      await vi.waitFor(async () => expect((await relay.callOf(`CA${i}`)).contact?.id).toBe(`12x${number.slice(-2)}`), WAIT);
    }
  });

  it("holds the lookups while the CRM's rate is used up, then sends them together in one search (issue 10)", async () => {
    relay.holdAsInProduction();
    relay.crm.lookupBatch = 10;
    const numbers = Array.from({ length: 5 }, (_, i) => `+141555503${String(i).padStart(2, '0')}`);
    for (const number of numbers) relay.crm.contacts.set(number, [{ ...GRACE, id: `12x${number.slice(-2)}` }]);
    const instance = (await relay.store.instanceOf(relay.ada.id, 'main'))!;
    const { connectors } = relay.deps.crm;
    await connectors.sessionFor(instance, async () => undefined);
    connectors.pacer.declare(instance.uid, [{ requests: 1, perMs: 200, operations: ['find_contact'] }]);
    // A search in flight fills the window until it ends: no lookup may start meanwhile.
    const searchEnds = await connectors.pacer.acquire(instance.uid, 'find_contact');
    for (const [i, number] of numbers.entries()) expect((await relay.inbound(`CA${i}`, number).ringing()).status).toBe(200);
    await vi.waitFor(() => expect(relay.deps.crm.lookup.backlog().depth).toBe(5), WAIT);
    expect(relay.crm.asked('findContacts')).toEqual([]);
    // The rate never holds the popup: each call's first event goes out without a contact, as for a slow CRM.
    for (const i of numbers.keys()) await vi.waitFor(() => expect(relay.pushed(`CA${i}`)[0]?.call.contact).toBeNull(), WAIT);
    searchEnds();
    // Once the window has room: the five, in the order they came, in one search.
    await vi.waitFor(() => expect(relay.crm.asked('findContactsOf')).toEqual([numbers]), WAIT);
    expect(relay.crm.asked('findContacts')).toEqual([]);
    for (const [i, number] of numbers.entries()) {
      await vi.waitFor(() => expect(relay.pushed(`CA${i}`).find((e) => e.kind === 'updated')?.call.contact?.id).toBe(`12x${number.slice(-2)}`), WAIT);
    }
  });

  it("fails each lookup of a failed batch as its own: no contact, one warning per call, and each number asked again on its next call", async () => {
    relay.crm.lookupBatch = 5;
    const numbers = Array.from({ length: 6 }, (_, i) => `+141555502${String(i).padStart(2, '0')}`);
    const release = relay.crm.hang('findContacts');
    relay.crm.fail('findContactsOf', { ok: false, error: 'HTTP 503', retry: true });
    for (const [i, number] of numbers.entries()) await relay.inbound(`CA${i}`, number).ringing();
    await vi.waitFor(() => expect(relay.crm.asked('findContacts')).toHaveLength(4), WAIT);
    release();
    await vi.waitFor(() => expect(relay.logs.filter((line) => line.includes('caller lookup failed') && line.includes('HTTP 503'))).toHaveLength(2), WAIT);
    expect(relay.crm.asked('findContactsOf')).toEqual([numbers.slice(4)]);
    relay.crm.contacts.set(numbers[5]!, [GRACE]);
    await relay.inbound('CA-again', numbers[5]!).ringing();
    await vi.waitFor(async () => expect((await relay.callOf('CA-again')).contact).toEqual(GRACE), WAIT);
    expect(relay.crm.asked('findContacts').at(-1)).toBe(numbers[5]);
  });
});
