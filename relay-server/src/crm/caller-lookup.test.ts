import type { Contact, CrmOutcome, CrmSession } from '@phone-connector/shared';
import { describe, expect, it, vi } from 'vitest';
import { RelayMetrics } from '../metrics.ts';
import { CallerLookup, LOOKUP_HELD, takeBatch, type WaitingLookup } from './caller-lookup.ts';
import { CrmBreaker } from './crm-breaker.ts';
import { RatePacer } from './rate-pacer.ts';
import { WebhooksFirst, type WebhooksFirstSettings } from './webhooks-first.ts';

const WAIT = { timeout: 10_000, interval: 5 };
/** A floor no test run reaches: only webhooks let steps go. */
const NO_FLOOR = 2 ** 31 - 1;
/** A search of 20 callers costs one step here: the tests of batching count searches, the last one what a search pays. */
const SETTINGS: WebhooksFirstSettings = { saturatedAt: 0.9, easesAt: 0.5, queuedAt: NO_FLOOR, webhooksPerStep: 16, lookupsPerStep: 20, backlogMax: NO_FLOOR, floorMs: NO_FLOOR, quietMs: NO_FLOOR, recheckMs: 1, gatherMs: NO_FLOOR, gatherMax: 16 };
const REFUSED = { ok: false as const, error: 'could not reach crm.example.test: connect ECONNREFUSED', retry: true };

/** Numbers of callers: `+1415555` and four digits from `from`. */
const callers = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `+1415555${String(from + i).padStart(4, '0')}`);

/** A CRM session that records its searches and answers each number with a contact of its own, at once, or when the test says (`hang`). */
function crmSession(lookupBatch?: number) {
  const searches: string[][] = [];
  let hanging: Promise<void> | undefined;
  const contactOf = (number: string): Contact[] => [{ id: number.slice(-4), name: `Caller ${number.slice(-4)}`, company: null, url: null }];
  const answer = async <T>(value: T): Promise<CrmOutcome<T>> => {
    await hanging;
    return { ok: true, value };
  };
  const session = {
    name: 'vtiger-like',
    canUpdate: true,
    lookupBatch,
    findContacts: (number: string) => (searches.push([number]), answer(contactOf(number))),
    findContactsOf: lookupBatch ? (numbers: readonly string[]) => (searches.push([...numbers]), answer(numbers.map(contactOf))) : undefined,
  } as unknown as CrmSession;
  return {
    session,
    searches,
    /** Holds every answer until the returned release. */
    hang: () => {
      let release!: () => void;
      hanging = new Promise((resolve) => (release = resolve));
      return () => (release(), (hanging = undefined));
    },
  };
}

/** Lookups behind turns on a thread whose load the test sets (webhooks-first.test.ts), the rate unlimited. */
function lookupsOn(utilisation: number, settings: Partial<WebhooksFirstSettings> = {}, pacer: Pick<RatePacer, 'readyIn' | 'reserve'> = new RatePacer(() => 0)) {
  const thread = { utilisation, reads: 0 };
  const clock = { ms: 0 };
  const turns = new WebhooksFirst({ ...SETTINGS, ...settings }, { utilisation: () => (thread.reads++, thread.utilisation) }, () => clock.ms);
  const breaker = new CrmBreaker({ info: () => undefined, warn: () => undefined }, () => 0);
  const lookup = new CallerLookup(new RelayMetrics(), () => 0, turns, breaker, pacer);
  return {
    turns,
    breaker,
    lookup,
    /** Two webhooks in flight: they queue for the thread, saturated at this load. */
    webhooksQueue: () => (turns.webhookStarted(), turns.webhookStarted()),
    advance: (ms: number) => (clock.ms += ms),
    /** Resolves once the turns have looked at the load `times` more times (each recheck looks once). */
    looked: (times: number) => {
      const target = thread.reads + times;
      return vi.waitFor(() => expect(thread.reads).toBeGreaterThanOrEqual(target), WAIT);
    },
    /** `count` webhooks answered, as many arriving meanwhile: the queue stays. */
    answer: async (count: number) => {
      for (let i = 0; i < count; i++) {
        turns.webhookStarted();
        turns.webhookEnded();
        await settle();
      }
    },
  };
}

/** Lets the promises of steps just admitted run their first part. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('caller lookups on the thread (webhooks first)', () => {
  it('sends the lookups that came while the relay was saturated in searches as large as the CRM takes, one turn per search: 40 callers in 2 searches of 20', async () => {
    const { turns, lookup, webhooksQueue, answer } = lookupsOn(1);
    const crm = crmSession(20);
    webhooksQueue();
    const numbers = callers(40);
    const found = numbers.map((number) => lookup.fetch('in_1', crm.session, number));
    await settle();
    expect(crm.searches).toEqual([]);
    // The instance asked one turn for its next search, not one per lookup.
    expect(turns.backlog).toBe(1);
    expect(lookup.backlog().depth).toBe(0);
    await answer(16);
    await vi.waitFor(() => expect(crm.searches).toEqual([numbers.slice(0, 20)]), WAIT);
    // The next search asked its turn at once, and waits for it behind the webhooks.
    expect(turns.backlog).toBe(1);
    await answer(15);
    expect(crm.searches).toHaveLength(1);
    await answer(1);
    await vi.waitFor(() => expect(crm.searches).toEqual([numbers.slice(0, 20), numbers.slice(20)]), WAIT);
    // Each call has its own contact, in the order they came.
    expect((await Promise.all(found)).map((outcome) => outcome.ok && outcome.value[0]?.id)).toEqual(numbers.map((number) => number.slice(-4)));
    // relay_crm_steps_total counts CRM requests: two, both rationed.
    expect(turns.counts).toMatchObject({ stepsAtOnce: 0, stepsRationed: 2 });
    expect(turns.backlog).toBe(0);
  });

  it('sends each lookup at once, alone, on a relay with room; those that wait for a slot go together when it frees', async () => {
    const { turns, lookup, webhooksQueue } = lookupsOn(0.5);
    const crm = crmSession(20);
    const release = crm.hang();
    webhooksQueue();
    const numbers = callers(7);
    const found = numbers.map((number) => lookup.fetch('in_1', crm.session, number));
    await settle();
    // Four slots: the first four alone, as they came.
    expect(crm.searches).toEqual(numbers.slice(0, 4).map((number) => [number]));
    release();
    // One slot frees first: the three waiting for it go in one search.
    await vi.waitFor(() => expect(crm.searches.slice(4)).toEqual([numbers.slice(4)]), WAIT);
    expect((await Promise.all(found)).every((outcome) => outcome.ok)).toBe(true);
    expect(turns.counts).toMatchObject({ stepsAtOnce: 5, stepsRationed: 0 });
  });

  it('gives each instance its turn: a lookup of another instance waits for one search of the first, not for its forty callers', async () => {
    const { lookup, webhooksQueue, answer } = lookupsOn(1);
    const crm = crmSession(20);
    const other = crmSession(20);
    webhooksQueue();
    const numbers = callers(40);
    for (const number of numbers) void lookup.fetch('in_1', crm.session, number);
    await settle();
    const otherFound = lookup.fetch('in_2', other.session, '+14155559999');
    await answer(16);
    await vi.waitFor(() => expect(crm.searches).toEqual([numbers.slice(0, 20)]), WAIT);
    expect(other.searches).toEqual([]);
    await answer(16);
    await vi.waitFor(() => expect(other.searches).toEqual([['+14155559999']]), WAIT);
    expect(await otherFound).toMatchObject({ ok: true, value: [{ id: '9999' }] });
    expect(crm.searches).toHaveLength(1);
    await answer(16);
    await vi.waitFor(() => expect(crm.searches).toEqual([numbers.slice(0, 20), numbers.slice(20)]), WAIT);
  });

  it('has a search on a saturated relay pay for the lookups it carries past `lookupsPerStep`: its follow-ups take the thread too', async () => {
    const { lookup, webhooksQueue, answer } = lookupsOn(1, { lookupsPerStep: 10 });
    const crm = crmSession(20);
    webhooksQueue();
    const numbers = callers(40);
    for (const number of numbers) void lookup.fetch('in_1', crm.session, number);
    await settle();
    await answer(16);
    await vi.waitFor(() => expect(crm.searches).toEqual([numbers.slice(0, 20)]), WAIT);
    // Twenty lookups cost two steps: the next search waits for 32 webhooks, not 16.
    await answer(31);
    expect(crm.searches).toHaveLength(1);
    await answer(1);
    await vi.waitFor(() => expect(crm.searches).toEqual([numbers.slice(0, 20), numbers.slice(20)]), WAIT);
  });

  it("has such a search pay the floor's time too: with the webhooks stalled, the next search waits a period per step it cost", async () => {
    const { lookup, webhooksQueue, advance, looked } = lookupsOn(1, { lookupsPerStep: 10, floorMs: 100 });
    const crm = crmSession(20);
    webhooksQueue();
    const numbers = callers(40);
    for (const number of numbers) void lookup.fetch('in_1', crm.session, number);
    await settle();
    advance(100);
    await vi.waitFor(() => expect(crm.searches).toEqual([numbers.slice(0, 20)]), WAIT);
    // Twenty lookups cost two steps: two floor periods before the next, not one.
    advance(199);
    await looked(3);
    expect(crm.searches).toHaveLength(1);
    advance(1);
    await vi.waitFor(() => expect(crm.searches).toEqual([numbers.slice(0, 20), numbers.slice(20)]), WAIT);
  });

  it("looks at the rate again when the turn comes: a place another instance of the account took meanwhile makes the search wait for the next", async () => {
    const rate = { waitMs: 0, reserved: 0 };
    const pacer = { readyIn: () => rate.waitMs, reserve: () => (rate.reserved++, { release: () => undefined }) };
    const { turns, lookup, webhooksQueue, answer } = lookupsOn(1, {}, pacer);
    const crm = crmSession(20);
    webhooksQueue();
    void lookup.fetch('in_1', crm.session, '+14155550100');
    await settle();
    expect(turns.backlog).toBe(1);
    rate.waitMs = 5;
    await answer(16);
    // The turn came, the rate said no: nothing sent, no place reserved, and no turn asked until the rate lets a search go.
    expect([crm.searches, rate.reserved, turns.backlog]).toEqual([[], 0, 0]);
    rate.waitMs = 0;
    await vi.waitFor(() => expect(turns.backlog).toBe(1), WAIT);
    await answer(16);
    await vi.waitFor(() => expect(crm.searches).toEqual([['+14155550100']]), WAIT);
    expect(rate.reserved).toBe(1);
  });

  it("waits with a call's lookup itself, tells it once, and counts its call as identified until then, held or answered (issue 10)", async () => {
    const { breaker, lookup } = lookupsOn(0);
    const crm = crmSession(20);
    const release = crm.hang();
    const told: Array<[number, CrmOutcome<Contact[]>]> = [];
    const callLookup = (callId: number, number: string) => ({ callId, session: crm.session, number, settle: (outcome: CrmOutcome<Contact[]>) => void told.push([callId, outcome]) });
    lookup.identify('in_1', callLookup(7, '+14155550100'));
    lookup.identify('in_1', callLookup(8, '+14155550101'));
    // On an idle relay each goes at once, in a search of its own.
    await vi.waitFor(() => expect(crm.searches).toHaveLength(2), WAIT);
    expect([lookup.isIdentifying(7), lookup.isIdentifying(8), lookup.backlog().depth]).toEqual([true, true, 2]);
    release();
    await vi.waitFor(() => expect(told).toHaveLength(2), WAIT);
    expect(told).toEqual([
      [7, { ok: true, value: [expect.objectContaining({ id: '0100' })] }],
      [8, { ok: true, value: [expect.objectContaining({ id: '0101' })] }],
    ]);
    expect([lookup.isIdentifying(7), lookup.isIdentifying(8), lookup.backlog().depth]).toEqual([false, false, 0]);
    // A held CRM: told at once, and never counted as being identified.
    for (let i = 0; i < 5; i++) breaker.record('in_1', REFUSED);
    lookup.identify('in_1', callLookup(9, '+14155550102'));
    expect(told.at(-1)).toEqual([9, LOOKUP_HELD]);
    expect(lookup.isIdentifying(9)).toBe(false);
  });

  it('skips the lookups of a held CRM at once, asking no turn, however saturated the relay', async () => {
    const { turns, breaker, lookup, webhooksQueue } = lookupsOn(1);
    const crm = crmSession(20);
    for (let i = 0; i < 5; i++) breaker.record('in_1', REFUSED);
    webhooksQueue();
    expect(await lookup.fetch('in_1', crm.session, '+14155550100')).toBe(LOOKUP_HELD);
    expect(turns.backlog).toBe(0);
    expect(turns.counts).toMatchObject({ stepsAtOnce: 0, stepsRationed: 0 });
    expect(crm.searches).toEqual([]);
  });

  it('counts the lookups waiting against the backlog bound: past it, a search goes per webhook answered', async () => {
    const { lookup, webhooksQueue, answer } = lookupsOn(1, { backlogMax: 10 });
    // A CRM that searches one number at a time: each lookup is a search of its own.
    const crm = crmSession();
    webhooksQueue();
    const numbers = callers(14);
    for (const number of numbers) void lookup.fetch('in_1', crm.session, number);
    await settle();
    // Fourteen waiting, down to ten: at the bound or past it, one search per webhook answered.
    await answer(5);
    await vi.waitFor(() => expect(crm.searches).toEqual(numbers.slice(0, 5).map((number) => [number])), WAIT);
    // Nine: one per sixteen webhooks again.
    await answer(15);
    expect(crm.searches).toHaveLength(5);
    await answer(1);
    await vi.waitFor(() => expect(crm.searches).toHaveLength(6), WAIT);
  });
});

describe('takeBatch', () => {
  const waiting = (session: CrmSession, number: string): WaitingLookup => ({ session, number, settle: () => undefined });
  /** Where each lookup stood in the queue as it was first: the lookups are told apart by identity, not by content. */
  const places = (original: readonly WaitingLookup[], lookups: readonly WaitingLookup[]) => lookups.map((lookup) => original.indexOf(lookup));

  it('takes the first lookup and the later ones of its session up to the batch, a number asked again with them; the rest stay in the queue, in order', () => {
    const vtiger = crmSession(3).session;
    const other = crmSession(3).session;
    const [a, b, c, d] = callers(4) as [string, string, string, string];
    const queue = [waiting(vtiger, a), waiting(other, b), waiting(vtiger, b), waiting(vtiger, a), waiting(vtiger, c), waiting(vtiger, d), waiting(other, c), waiting(vtiger, b)];
    const original = [...queue];
    expect(places(original, takeBatch(queue))).toEqual([0, 2, 3, 4, 7]);
    expect(places(original, queue)).toEqual([1, 5, 6]);
    expect(places(original, takeBatch(queue))).toEqual([1, 6]);
    expect(places(original, queue)).toEqual([5]);
    expect(places(original, takeBatch(queue))).toEqual([5]);
    expect(queue).toEqual([]);
  });

  it('takes one lookup at a time for a session that searches one number per request', () => {
    const single = crmSession().session;
    const queue = callers(3).map((number) => waiting(single, number));
    const original = [...queue];
    expect(places(original, takeBatch(queue))).toEqual([0]);
    expect(places(original, queue)).toEqual([1, 2]);
  });
});
