import { type Contact, computeTwilioSignature } from '@phone-connector/shared';
import { describe, expect, it, vi } from 'vitest';
import { crmTestRelay, PUBLIC_URL, TWILIO_TOKEN } from '../testing.ts';
import { type StepKind, WebhooksFirst, type WebhooksFirstSettings } from './webhooks-first.ts';

const WAIT = { timeout: 10_000, interval: 5 };
/** A floor no test run reaches: only webhooks let steps go. */
const NO_FLOOR = 2 ** 31 - 1;
const SETTINGS: WebhooksFirstSettings = { saturatedAt: 0.9, easesAt: 0.5, queuedAt: 4, webhooksPerStep: 2, lookupsPerStep: 1, backlogMax: NO_FLOOR, floorMs: NO_FLOOR, quietMs: 5, recheckMs: 1, gatherMs: NO_FLOOR, gatherMax: 3 };

/** Turns on a thread whose load the test sets, with a clock that moves only when the test says. */
function turnsOn(utilisation: number, settings: Partial<WebhooksFirstSettings> = {}) {
  const thread = { utilisation, reads: 0, lastAt: NaN };
  const clock = { ms: 0 };
  const load = { utilisation: (at: number) => (thread.reads++, thread.lastAt = at, thread.utilisation) };
  const turns = new WebhooksFirst({ ...SETTINGS, ...settings }, load, () => clock.ms);
  return {
    turns,
    thread,
    load: (value: number) => (thread.utilisation = value),
    advance: (ms: number) => (clock.ms += ms),
    /** Resolves once the turns have looked at the load `times` more times (each recheck looks once). */
    looked: (times: number) => {
      const target = thread.reads + times;
      return vi.waitFor(() => expect(thread.reads).toBeGreaterThanOrEqual(target), WAIT);
    },
  };
}

/** Steps (searches unless told) that record when they start, and whether they were told they waited, and finish when the test says. */
function steps(turns: WebhooksFirst) {
  const started: number[] = [];
  const waited = new Map<number, boolean>();
  const finishers = new Map<number, () => void>();
  const add = (id: number, kind?: StepKind) =>
    turns.run((hadToWait) => {
      started.push(id);
      waited.set(id, hadToWait);
      return new Promise<number>((resolve) => finishers.set(id, () => resolve(id)));
    }, kind);
  return { started, waited, add, finish: (id: number) => finishers.get(id)!() };
}

/** Lets the promises of steps just admitted run their first part. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** 200 calls, each bringing `stepsPerCall` CRM steps of `kind` (each counted in `finished` once run) and two webhooks answered: what waited at worst. */
async function callsBringingSteps(turns: WebhooksFirst, stepsPerCall: number, kind: StepKind) {
  const run = { finished: 0, worstBacklog: 0, done: [] as Array<Promise<void>> };
  for (let call = 0; call < 200; call++) {
    for (let step = 0; step < stepsPerCall; step++) run.done.push(turns.run(async () => void (run.finished += 1), kind));
    run.worstBacklog = Math.max(run.worstBacklog, turns.backlog);
    for (let webhook = 0; webhook < 2; webhook++) {
      turns.webhookStarted();
      turns.webhookEnded();
    }
    await settle();
  }
  return run;
}

describe('webhooks first', () => {
  it('starts CRM steps at once while no webhook comes, however busy the thread (the CRM catching up alone)', async () => {
    const { turns } = turnsOn(1);
    const crm = steps(turns);
    const done = [crm.add(1), crm.add(2), crm.add(3)];
    await settle();
    expect(crm.started).toEqual([1, 2, 3]);
    for (const id of [1, 2, 3]) crm.finish(id);
    expect(await Promise.all(done)).toEqual([1, 2, 3]);
  });

  it('starts CRM steps at once while webhooks are in flight on a thread with room (one sender, call after call)', async () => {
    const { turns } = turnsOn(0.5);
    const crm = steps(turns);
    turns.webhookStarted();
    void crm.add(1);
    turns.webhookEnded();
    turns.webhookStarted();
    void crm.add(2);
    void crm.add(3);
    await settle();
    expect(crm.started).toEqual([1, 2, 3]);
    expect(turns.backlog).toBe(0);
  });

  it('starts CRM steps at once for webhooks that come one at a time, however busy the thread looks (a machine shared with other work)', async () => {
    const { turns } = turnsOn(1);
    const crm = steps(turns);
    for (const id of [1, 2, 3]) {
      turns.webhookStarted();
      void crm.add(id);
      turns.webhookEnded();
    }
    await settle();
    expect(crm.started).toEqual([1, 2, 3]);
    expect(turns.backlog).toBe(0);
  });

  it('holds CRM steps back while webhooks queue for a saturated thread, one per two webhooks answered, and lets them all go once the webhooks pause', async () => {
    const { turns, advance } = turnsOn(0.95);
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    turns.webhookStarted();
    for (const id of [1, 2, 3, 4]) void crm.add(id);
    await settle();
    expect(crm.started).toEqual([]);
    expect(turns.backlog).toBe(4);
    turns.webhookEnded();
    await settle();
    expect(crm.started).toEqual([]);
    turns.webhookEnded();
    await settle();
    // Two webhooks answered, one still in flight: one step.
    expect(crm.started).toEqual([1]);
    turns.webhookEnded();
    // None in flight, but the last was answered a moment ago: the sender's next may be on its way.
    await settle();
    expect(crm.started).toEqual([1]);
    advance(5);
    await vi.waitFor(() => expect(crm.started).toEqual([1, 2, 3, 4]), WAIT);
    expect(turns.backlog).toBe(0);
  });

  it("holds CRM steps back as soon as `queuedAt` webhooks are in flight, whatever the load's last window read (a burst's start, a window spent waiting for the disk's sync)", async () => {
    const { turns } = turnsOn(0.2);
    const crm = steps(turns);
    for (let i = 0; i < 3; i++) turns.webhookStarted();
    void crm.add(1);
    await settle();
    expect(crm.started).toEqual([1]);
    turns.webhookStarted();
    void crm.add(2);
    void crm.add(3);
    await settle();
    expect(crm.started).toEqual([1]);
    expect(turns.backlog).toBe(2);
    // Under `queuedAt` again, on a thread the load reads as having room: the steps go.
    turns.webhookEnded();
    await settle();
    expect(crm.started).toEqual([1, 2, 3]);
  });

  it("times the thread load's windows on the turns' own clock (one clock, read once per question)", () => {
    const { turns, advance, thread } = turnsOn(0.5);
    turns.webhookStarted();
    turns.webhookStarted();
    advance(40);
    void turns.run(async () => undefined);
    expect(thread.lastAt).toBe(40);
    advance(3);
    void turns.commit(async () => undefined);
    expect(thread.lastAt).toBe(43);
  });

  it('counts its steps and store transactions by how they went, at once or rationed (whether the rationing is engaged shows in /metrics)', async () => {
    const { turns, load } = turnsOn(0.5, { gatherMax: 1 });
    const crm = steps(turns);
    void crm.add(1);
    await turns.commit(async () => undefined);
    turns.webhookStarted();
    turns.webhookStarted();
    load(1);
    void crm.add(2);
    void crm.add(3);
    await turns.commit(async () => undefined);
    expect(turns.counts).toEqual({ stepsAtOnce: 1, stepsRationed: 2, commitsAtOnce: 1, commitsGathered: 1 });
    turns.webhookEnded();
    turns.webhookEnded();
    load(0);
    await vi.waitFor(() => expect(crm.started).toEqual([1, 2, 3]), WAIT);
    expect(turns.counts.stepsRationed).toBe(2);
    // A step that waited is told so: what it read before its turn may be old (an outbox row reads afresh).
    expect([...crm.waited]).toEqual([
      [1, false],
      [2, true],
      [3, true],
    ]);
  });

  it('lets the waiting steps go as soon as the load falls, webhooks still in flight', async () => {
    const { turns, load } = turnsOn(1);
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    for (const id of [1, 2, 3]) void crm.add(id);
    await settle();
    expect(crm.started).toEqual([]);
    load(0.4);
    await vi.waitFor(() => expect(crm.started).toEqual([1, 2, 3]), WAIT);
    expect(turns.backlog).toBe(0);
  });

  it('keeps rationing through a dip under `saturatedAt` while webhooks still queue (a thread idling a moment for the disk or its senders), until the load eases under `easesAt`', async () => {
    const { turns, load, looked } = turnsOn(1);
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    void crm.add(1);
    load(0.8);
    void crm.add(2);
    await looked(3);
    await settle();
    expect(crm.started).toEqual([]);
    load(0.4);
    await vi.waitFor(() => expect(crm.started).toEqual([1, 2]), WAIT);
  });

  it('starts steps at once on a thread as loaded but never saturated, and after the webhooks stopped queuing: the last burst is no reason', async () => {
    const { turns, load, advance } = turnsOn(0.8);
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    void crm.add(1);
    await settle();
    expect(crm.started).toEqual([1]);
    load(1);
    void crm.add(2);
    await settle();
    expect(crm.started).toEqual([1]);
    turns.webhookEnded();
    turns.webhookEnded();
    advance(5);
    await vi.waitFor(() => expect(crm.started).toEqual([1, 2]), WAIT);
    load(0.8);
    turns.webhookStarted();
    turns.webhookStarted();
    void crm.add(3);
    await settle();
    expect(crm.started).toEqual([1, 2, 3]);
  });

  it('keeps steps in the order they came: a new step waits behind those already waiting, even once the thread has room', async () => {
    const { turns, load } = turnsOn(1, { recheckMs: NO_FLOOR });
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    void crm.add(1);
    load(0);
    void crm.add(2);
    await settle();
    expect(crm.started).toEqual([]);
    turns.webhookEnded();
    await settle();
    expect(crm.started).toEqual([1, 2]);
  });

  it('keeps the credit rule across a gap between webhooks shorter than the quiet moment', async () => {
    const { turns } = turnsOn(1, { quietMs: NO_FLOOR });
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    for (const id of [1, 2, 3]) void crm.add(id);
    // Answered, none left in flight: the senders' next webhooks are on their way.
    turns.webhookEnded();
    turns.webhookEnded();
    await settle();
    expect(crm.started).toEqual([1]);
    turns.webhookStarted();
    turns.webhookEnded();
    await settle();
    expect(crm.started).toEqual([1]);
    turns.webhookStarted();
    turns.webhookEnded();
    await settle();
    expect(crm.started).toEqual([1, 2]);
  });

  it('keeps the CRM moving under a steady stream of webhooks into a saturated thread: its backlog stays bounded', async () => {
    const { turns } = turnsOn(1);
    let finished = 0;
    // One webhook always in flight; each call brings two webhooks and one CRM step.
    turns.webhookStarted();
    let worstBacklog = 0;
    for (let call = 0; call < 500; call++) {
      void turns.run(async () => void (finished += 1));
      for (let webhook = 0; webhook < 2; webhook++) {
        turns.webhookStarted();
        turns.webhookEnded();
      }
      worstBacklog = Math.max(worstBacklog, turns.backlog);
      await settle();
    }
    expect(finished).toBe(500);
    expect(worstBacklog).toBeLessThanOrEqual(1);
  });

  it('lets its backlog grow to `backlogMax` at most under more steps than its share, then keeps pace with the webhooks; nothing is lost', async () => {
    const { turns, advance } = turnsOn(1, { webhooksPerStep: 8, backlogMax: 10 });
    // One webhook always in flight; each call brings two webhooks and two CRM steps (counted as searches): four times the share.
    turns.webhookStarted();
    const run = await callsBringingSteps(turns, 2, 'search');
    // The steps waited (the webhooks went first), up to the bound and no further.
    expect(run.worstBacklog).toBeGreaterThanOrEqual(10);
    expect(run.worstBacklog).toBeLessThanOrEqual(12);
    expect(run.finished).toBeLessThan(400);
    // The webhooks pause: every step runs.
    turns.webhookEnded();
    advance(5);
    await Promise.all(run.done);
    expect(run.finished).toBe(400);
  });

  it('runs one step per floor period while webhooks hang in flight on a saturated thread', async () => {
    const { turns, advance, looked } = turnsOn(1, { floorMs: 100 });
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    for (const id of [1, 2, 3]) void crm.add(id);
    await looked(3);
    expect(crm.started).toEqual([]);
    advance(100);
    await vi.waitFor(() => expect(crm.started).toEqual([1]), WAIT);
    advance(99);
    await looked(3);
    expect(crm.started).toEqual([1]);
    advance(1);
    await vi.waitFor(() => expect(crm.started).toEqual([1, 2]), WAIT);
    advance(100);
    await vi.waitFor(() => expect(crm.started).toEqual([1, 2, 3]), WAIT);
    expect(turns.backlog).toBe(0);
  });

  it("starts a log's write at once on a thread with room, webhooks in flight (a call centre's pace: the log as soon as the call ends)", async () => {
    const { turns } = turnsOn(0.5);
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    void crm.add(1, 'log');
    void crm.add(2);
    await settle();
    expect(crm.started).toEqual([1, 2]);
    expect(turns.backlog).toBe(0);
  });

  it("holds a log's write back for the whole burst on a saturated thread: the webhooks' shares go to the searches behind it, and it goes once the webhooks pause", async () => {
    const { turns, advance } = turnsOn(0.95);
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    void crm.add(1, 'log');
    void crm.add(2);
    void crm.add(3, 'log');
    void crm.add(4);
    await settle();
    expect(crm.started).toEqual([]);
    for (let answered = 0; answered < 8; answered++) {
      turns.webhookStarted();
      turns.webhookEnded();
    }
    await settle();
    // Four shares earned: the two searches, none of the logs.
    expect(crm.started).toEqual([2, 4]);
    expect(turns.backlog).toBe(2);
    // A log that comes now waits behind those waiting, a search goes on a banked share.
    void crm.add(5, 'log');
    void crm.add(6);
    await settle();
    expect(crm.started).toEqual([2, 4, 6]);
    turns.webhookEnded();
    turns.webhookEnded();
    advance(5);
    await vi.waitFor(() => expect(crm.started).toEqual([2, 4, 6, 1, 3, 5]), WAIT);
    expect(turns.backlog).toBe(0);
  });

  it("keeps a log's write waiting through a dip under `easesAt` while the webhooks still queue (the searches go), until they stop queuing", async () => {
    const { turns, load, advance, looked } = turnsOn(1, { quietMs: 10 });
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    void crm.add(1, 'log');
    await settle();
    load(0.2);
    void crm.add(2);
    advance(9);
    await looked(3);
    expect(crm.started).toEqual([2]);
    // Saturated again before the dip lasted the quiet moment: the burst goes on, however long.
    load(1);
    await looked(1);
    load(0.2);
    advance(9);
    await looked(3);
    expect(crm.started).toEqual([2]);
    turns.webhookEnded();
    turns.webhookEnded();
    advance(10);
    await vi.waitFor(() => expect(crm.started).toEqual([2, 1]), WAIT);
  });

  it("lets a log's write go once the load has stayed under `easesAt` for the quiet moment, webhooks still queuing (a busy relay with room)", async () => {
    const { turns, load, advance, looked } = turnsOn(1, { quietMs: 10 });
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    void crm.add(1, 'log');
    await settle();
    load(0.2);
    await looked(2);
    advance(9);
    await looked(2);
    expect(crm.started).toEqual([]);
    advance(1);
    await vi.waitFor(() => expect(crm.started).toEqual([1]), WAIT);
  });

  it("lets logs' writes take the webhooks' shares once `backlogMax` steps wait, however long the burst lasts: a relay saturated for long still writes its logs, its backlog bounded", async () => {
    const { turns } = turnsOn(1, { webhooksPerStep: 8, backlogMax: 10 });
    // Saturated from the start, and it never eases: each call brings two webhooks and one log.
    turns.webhookStarted();
    turns.webhookStarted();
    const run = await callsBringingSteps(turns, 1, 'log');
    // The logs waited the burst out until the bound, then kept pace with the webhooks.
    expect(run.worstBacklog).toBeGreaterThanOrEqual(10);
    expect(run.worstBacklog).toBeLessThanOrEqual(11);
    expect(run.finished).toBeGreaterThanOrEqual(200 - 11);
  });

  it("runs a waiting log's write at the floor's turn on a saturated thread, the steps in the order they came", async () => {
    const { turns, advance } = turnsOn(1, { floorMs: 100 });
    const crm = steps(turns);
    turns.webhookStarted();
    turns.webhookStarted();
    void crm.add(1, 'log');
    void crm.add(2);
    await settle();
    expect(crm.started).toEqual([]);
    advance(100);
    await vi.waitFor(() => expect(crm.started).toEqual([1]), WAIT);
    advance(100);
    await vi.waitFor(() => expect(crm.started).toEqual([1, 2]), WAIT);
  });

  it('banks a few credits at most: a long burst of webhooks with nothing to do buys no flood of steps later', async () => {
    const { turns } = turnsOn(1, { webhooksPerStep: 1 });
    const crm = steps(turns);
    turns.webhookStarted();
    for (let i = 0; i < 100; i++) {
      turns.webhookStarted();
      turns.webhookEnded();
    }
    for (let id = 1; id <= 10; id++) void crm.add(id);
    await settle();
    expect(crm.started).toEqual([1, 2, 3, 4]);
    expect(turns.backlog).toBe(6);
  });
});

describe("CRM steps' store transactions", () => {
  /** Transactions that record the tick they start in: a store commits those queued in one tick together. */
  function transactions(turns: WebhooksFirst) {
    let tick = 0;
    const ticking = setInterval(() => (tick += 1), 0);
    const startedIn: Array<[number, number]> = [];
    const add = (id: number) => turns.commit(async () => void startedIn.push([id, tick]));
    return { startedIn, add, stop: () => clearInterval(ticking) };
  }

  it('run at once while the thread has room, webhooks in flight or not', async () => {
    const { turns } = turnsOn(0.5);
    turns.webhookStarted();
    const store = transactions(turns);
    try {
      await Promise.all([store.add(1), store.add(2)]);
      expect(store.startedIn.map(([id]) => id)).toEqual([1, 2]);
    } finally {
      store.stop();
    }
  });

  it('wait on a saturated thread until enough have gathered, then all go in one tick, in the order they came', async () => {
    const { turns } = turnsOn(1);
    turns.webhookStarted();
    turns.webhookStarted();
    const store = transactions(turns);
    try {
      const first = [store.add(1), store.add(2)];
      await settle();
      expect(store.startedIn).toEqual([]);
      await Promise.all([...first, store.add(3)]);
      expect(store.startedIn.map(([id]) => id)).toEqual([1, 2, 3]);
      expect(new Set(store.startedIn.map(([, tick]) => tick)).size).toBe(1);
    } finally {
      store.stop();
    }
  });

  it('wait on a saturated thread no longer than the gathering period, however few they are', async () => {
    const { turns } = turnsOn(1, { gatherMs: 5, gatherMax: 100 });
    turns.webhookStarted();
    turns.webhookStarted();
    const store = transactions(turns);
    try {
      await Promise.all([store.add(1), store.add(2)]);
      expect(store.startedIn.map(([id]) => id)).toEqual([1, 2]);
      expect(new Set(store.startedIn.map(([, tick]) => tick)).size).toBe(1);
    } finally {
      store.stop();
    }
  });

  it('carry their outcome and failure back to the step', async () => {
    const { turns } = turnsOn(1, { gatherMax: 2 });
    turns.webhookStarted();
    turns.webhookStarted();
    const failed = turns.commit(() => Promise.reject(new Error('disk full')));
    const done = turns.commit(async () => 'committed');
    await expect(failed).rejects.toThrow('disk full');
    expect(await done).toBe('committed');
  });
});

describe('webhooks first, in a saturated relay', () => {
  const SATURATED = { utilisation: () => 1 };
  const GRACE: Contact = { id: '12x1', name: 'Grace Hopper', company: 'Navy', url: 'https://crm.example.test/contacts/12x1' };
  const CALLER = '+14155550199';

  /**
   * A signed status webhook whose body the provider has not finished sending: it stays in flight
   * until `finish` is called, as a webhook of a busy relay is.
   */
  async function webhookInFlight(relay: Awaited<ReturnType<typeof crmTestRelay>>, params: Record<string, string>) {
    const signature = await computeTwilioSignature(TWILIO_TOKEN, relay.hooks.status, params);
    let sendRest!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        sendRest = () => {
          controller.enqueue(new TextEncoder().encode(new URLSearchParams(params).toString()));
          controller.close();
        };
      },
    });
    const request = new Request(`http://relay.test${relay.hooks.status.replace(PUBLIC_URL, '')}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
      body,
      duplex: 'half',
    } as RequestInit);
    const response = relay.app.request(request);
    return {
      finish: async () => {
        sendRest();
        return response;
      },
    };
  }

  /** Two webhooks of other calls in flight at once: webhooks queue for the thread. */
  async function webhooksInFlight(relay: Awaited<ReturnType<typeof crmTestRelay>>) {
    const held = await Promise.all(
      ['CA0', 'CA00'].map((sid) => webhookInFlight(relay, { CallSid: sid, CallStatus: 'ringing', From: '+14155550142', To: '+15005550006', Direction: 'inbound' })),
    );
    return { finish: async () => (await Promise.all(held.map((webhook) => webhook.finish()))).map((response) => response.status) };
  }

  it("answers webhooks while a caller's lookup waits behind webhooks in flight, and runs it once they are answered", async () => {
    const relay = await crmTestRelay({ turns: { webhooksPerStep: 1_000, floorMs: NO_FLOOR, quietMs: 5 }, threadLoad: SATURATED });
    try {
      relay.holdAsInProduction();
      relay.crm.contacts.set(CALLER, [GRACE]);
      const held = await webhooksInFlight(relay);
      expect((await relay.inbound('CA1', CALLER).ringing()).status).toBe(200);
      // The popup does not wait for the CRM: the first event goes once the hold ends, without a contact.
      await vi.waitFor(() => expect(relay.pushed('CA1')).toHaveLength(1), WAIT);
      expect(relay.pushed('CA1')[0]).toMatchObject({ kind: 'created', call: { contact: null } });
      expect(relay.crm.asked('findContacts')).toEqual([]);
      expect(await relay.deps.metrics.render()).toMatch(/^relay_crm_lookups_pending 1$/m);
      expect(await relay.deps.metrics.render()).toMatch(/^relay_crm_steps_total\{start="rationed"\} 1$/m);

      expect(await held.finish()).toEqual([200, 200]);
      await vi.waitFor(() => expect(relay.pushed('CA1').at(-1)).toMatchObject({ kind: 'updated', call: { contact: GRACE } }), WAIT);
      expect(relay.crm.asked('findContacts')).toEqual([CALLER]);
      expect(await relay.deps.metrics.render()).toMatch(/^relay_crm_lookups_pending 0$/m);
    } finally {
      await relay.outbox.stop();
    }
  });

  it("reads the call afresh for a log claimed in its lookup's transaction that then waited its turn: a change made meanwhile is in the log", async () => {
    const relay = await crmTestRelay({ turns: { webhooksPerStep: 1_000, floorMs: NO_FLOOR, quietMs: 5, gatherMs: 1 }, threadLoad: SATURATED });
    try {
      relay.crm.contacts.set(CALLER, [GRACE]);
      await relay.outbox.start();
      const release = relay.crm.hang('findContacts');
      expect((await relay.inbound('CA1', CALLER).ringing()).status).toBe(200);
      await vi.waitFor(() => expect(relay.crm.asked('findContacts')).toEqual([CALLER]), WAIT);
      expect((await relay.inbound('CA1', CALLER).completed()).status).toBe(200);
      const held = await webhooksInFlight(relay);
      release();
      // The lookup's transaction linked the contact and claimed the log, which waits behind the webhooks.
      await vi.waitFor(async () => expect((await relay.callOf('CA1')).contact).toEqual(GRACE), WAIT);
      await vi.waitFor(async () => expect((await relay.store.crmWorkOf((await relay.callOf('CA1')).id))?.state).toBe('inflight'), WAIT);
      const { id } = await relay.callOf('CA1');
      expect((await relay.call(relay.ada.token, 'PATCH', `/calls/${id}`, { notes: 'wants a callback' })).status).toBe(200);
      expect(relay.crm.asked('logCall')).toEqual([]);

      expect(await held.finish()).toEqual([200, 200]);
      await vi.waitFor(async () => expect((await relay.callOf('CA1')).crm_log?.state).toBe('logged'), WAIT);
      expect(relay.crm.asked('logCall')).toEqual([expect.objectContaining({ call_id: 'CA1', contact_id: GRACE.id, notes: 'wants a callback' })]);
    } finally {
      await relay.outbox.stop();
    }
  });

  it("answers webhooks while a call's log waits behind webhooks in flight, their shares going to callers' lookups, and writes it once, when they are answered", async () => {
    // A share per webhook answered: the log's write takes none of them.
    const relay = await crmTestRelay({ turns: { webhooksPerStep: 1, floorMs: NO_FLOOR, quietMs: 5 }, threadLoad: SATURATED });
    try {
      expect((await relay.inbound('CA1', CALLER).ringing()).status).toBe(200);
      await vi.waitFor(() => expect(relay.crm.asked('findContacts')).toEqual([CALLER]), WAIT);
      await vi.waitFor(() => expect(relay.pushed('CA1').length).toBeGreaterThan(0), WAIT);
      const held = await webhooksInFlight(relay);
      expect((await relay.inbound('CA1', CALLER).completed()).status).toBe(200);
      let ran: number | undefined;
      const outbox = relay.outbox.runDue().then((count) => (ran = count));
      expect(await relay.deps.metrics.render()).toMatch(/^relay_crm_outbox_depth 1$/m);
      // The log's step waits for its turn.
      await vi.waitFor(async () => expect(await relay.deps.metrics.render()).toMatch(/^relay_crm_steps_total\{start="rationed"\} 1$/m), WAIT);
      // Another webhook is answered meanwhile: its share runs its caller's lookup, and the log still waits for those in flight.
      expect((await relay.inbound('CA2', '+14155550143').ringing()).status).toBe(200);
      await vi.waitFor(() => expect(relay.crm.asked('findContacts')).toEqual([CALLER, '+14155550143']), WAIT);
      expect(relay.crm.asked('logCall')).toEqual([]);
      expect(ran).toBeUndefined();

      expect(await held.finish()).toEqual([200, 200]);
      await outbox;
      expect(ran).toBe(1);
      expect(relay.crm.asked('logCall')).toHaveLength(1);
      expect(await relay.callOf('CA1')).toMatchObject({ crm_log: { state: 'logged' } });
    } finally {
      await relay.outbox.stop();
    }
  });
});
