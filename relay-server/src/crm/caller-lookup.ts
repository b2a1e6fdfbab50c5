import type { Contact, CrmOutcome, CrmSession } from '@phone-connector/shared';
import type { RelayMetrics } from '../metrics.ts';
import type { CrmBreaker } from './crm-breaker.ts';
import type { PendingLookup } from './identify-caller.ts';
import type { RatePacer } from './rate-pacer.ts';
import type { WebhooksFirst } from './webhooks-first.ts';
import { withTimeout } from './with-timeout.ts';

export interface LookupSettings {
  /** How long a number that matched keeps its contacts. */
  matchTtlMs: number;
  /** How long "no match" is believed: shorter, since the agent may create the contact during the call. */
  missTtlMs: number;
  /** Lookups one instance runs at once; more wait their turn, so a slow CRM never floods itself. */
  perInstance: number;
  /** A lookup that has not answered by then is given up (the call goes on without a contact). */
  timeoutMs: number;
}

export const LOOKUP_DEFAULTS: LookupSettings = { matchTtlMs: 10 * 60_000, missTtlMs: 60_000, perInstance: 4, timeoutMs: 15_000 };

/** A lookup not sent: its CRM is held (crm-breaker.ts). The call goes on without a contact, as after a failure, with no line logged for it. */
export const LOOKUP_HELD: CrmOutcome<Contact[]> = { ok: false, error: 'the CRM is held after failing repeatedly', retry: true };

/** Calls whose lookup was held, kept at most (the oldest forgotten first): calls ring for a minute or two, an outage may last longer. */
const MAX_HELD_LOOKUPS = 4096;

/**
 * Caller identification: the contacts of a number in an instance's CRM, cached per (instance,
 * number). Failures are not cached, so the next call asks again.
 */
export class CallerLookup {
  private readonly cache = new Map<string, { contacts: Contact[]; expires: number }>();
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, WaitingLookup[]>();
  /** Lookups waiting, all instances together: steps waiting for the thread (`WebhooksFirst.alsoWaiting`), though their instances ask one turn per search. */
  private waitingLookups = 0;
  /** Instances that asked the thread for a turn for their next search and wait for it (`pump`). */
  private readonly asking = new Set<string>();
  /** Instances whose waiting lookups look at their rate again when it lets a search go (`pump`). */
  private readonly paced = new Map<string, NodeJS.Timeout>();
  /** Calls whose lookup is waiting or running (`identify`), with when it began: a call that ends meanwhile logs once it is done. */
  private readonly identifying = new Map<number, number>();
  /** Lookups of calls held while their CRM was (`held`), by call: asked again when it answers, if the call still rings. */
  private readonly heldLookups = new Map<number, PendingLookup>();

  constructor(
    private readonly metrics: RelayMetrics,
    private readonly now: () => number,
    /** The thread's turns: a search of the CRM is a step, it waits while webhooks keep the relay busy. */
    private readonly turns: WebhooksFirst,
    /** A CRM that keeps failing is not asked: its lookups are skipped, one probe at a time. */
    private readonly breaker: CrmBreaker,
    /** The instances' `<limits>`: a lookup starts only when its search may be sent, else waits with the others, to go in one batch. */
    private readonly pacer: Pick<RatePacer, 'readyIn' | 'reserve'>,
    private readonly settings: LookupSettings = LOOKUP_DEFAULTS,
  ) {
    // Its lookups waiting are steps waiting for the thread; an instance's turn asked counts there already, once.
    turns.alsoWaiting(() => this.waitingLookups - this.asking.size);
  }

  /** The cached contacts of a number, when fresh: costs nothing, so the webhook's path may ask. */
  cached(instanceUid: string, number: string): Contact[] | undefined {
    const key = cacheKey(instanceUid, number);
    const entry = this.cache.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.cache.delete(key);
      return undefined;
    }
    this.metrics.crmLookup('cache');
    return entry.contacts;
  }

  /**
   * Asks the CRM (cache or not) and caches what it says. The lookup waits with its instance's
   * others (`pump`): the CRM's search is the step that takes a turn on the thread, not each lookup.
   * `searched` hears whom the search found while follow-ups are still due (`CrmSession.findContacts`).
   */
  fetch(instanceUid: string, session: CrmSession, number: string, searched?: (contacts: Contact[]) => void): Promise<CrmOutcome<Contact[]>> {
    // Held: skipped at once rather than after waiting behind the webhooks.
    if (this.breaker.holdsStep(instanceUid)) return Promise.resolve(this.held());
    return new Promise((settle) => this.enqueue(instanceUid, { session, number, settle, searched }));
  }

  /**
   * A call's lookup: as `fetch`, with the call counted as being identified until it settles, and
   * `lookup` itself waiting, told its outcome by `settle`. A promise, its resolvers, the waiting
   * lookup and a `.finally` per call outlived the nursery while a burst's lookups waited for its
   * end (issue 10).
   */
  identify(instanceUid: string, lookup: CallLookup): void {
    this.identifying.set(lookup.callId, this.now());
    if (this.breaker.holdsStep(instanceUid)) this.settle(lookup, this.held());
    else this.enqueue(instanceUid, lookup);
  }

  private enqueue(instanceUid: string, lookup: WaitingLookup): void {
    const queue = this.waiting.get(instanceUid) ?? [];
    queue.push(lookup);
    this.waiting.set(instanceUid, queue);
    this.waitingLookups += 1;
    this.pump(instanceUid);
  }

  /** Tells a lookup its outcome; a call's is no longer being identified. */
  private settle(lookup: WaitingLookup, outcome: CrmOutcome<Contact[]>): void {
    if (lookup.callId !== undefined) this.identifying.delete(lookup.callId);
    lookup.settle(outcome);
  }

  /**
   * Asks the thread for a turn (webhooks-first.ts) for the instance's next search, once lookups
   * wait, one of its slots is free and its CRM's `<limits>` let a search go (issue 10): one turn
   * at a time per instance, whatever the number of lookups waiting. When the turn comes, the search
   * takes the lookups waiting then, as many as it carries (`takeBatch`), in the order they came,
   * and the next turn is asked for. On a saturated relay a turn comes once some webhooks are
   * answered, and the lookups that came meanwhile go in one search, where each lookup took a turn
   * of its own and went alone unless the slots held it back (1,000 turns for the throughput bench's
   * 1,000 new calls). The search pays for the lookups it carries (`WebhooksFirst.searched`).
   * On a relay with room the turn comes at once, as the slot frees: a lookup goes alone unless
   * others wait for a slot, as before. Instances take their turns in the order they asked, so one
   * with a thousand callers waiting holds no other's lookups behind its own. A rate that lets none
   * go yet is looked at again when it will: the lookups arriving meanwhile wait, and go together,
   * so a burst of calls becomes batches, not 429s.
   */
  private pump(instanceUid: string): void {
    if (this.asking.has(instanceUid) || !this.searchMayGo(instanceUid)) return;
    this.asking.add(instanceUid);
    void this.turns.run(() => this.search(instanceUid));
  }

  /** The instance's turn came: its next search goes, with the lookups waiting now, and the one after asks its own turn. */
  private search(instanceUid: string): Promise<void> {
    this.asking.delete(instanceUid);
    // Another instance on the same CRM account (or another relay) may have taken the rate's place meanwhile: then it waits for it.
    if (!this.searchMayGo(instanceUid)) return Promise.resolve();
    const queue = this.waiting.get(instanceUid)!;
    const batch = takeBatch(queue);
    if (queue.length === 0) this.waiting.delete(instanceUid);
    this.waitingLookups -= batch.length;
    this.turns.searched(batch.length);
    this.running.set(instanceUid, (this.running.get(instanceUid) ?? 0) + 1);
    // Its place in the rate is reserved before `run` first waits, so the next turn is asked for only when the rate lets another search go.
    const searched = this.run(instanceUid, batch);
    this.pump(instanceUid);
    return searched;
  }

  /** Whether the instance's next search may go now: lookups wait and a slot is free, and its CRM's rate lets it (else it looks again when the rate will). */
  private searchMayGo(instanceUid: string): boolean {
    if (!this.waiting.get(instanceUid)?.length || (this.running.get(instanceUid) ?? 0) >= this.settings.perInstance) return false;
    const wait = this.pacer.readyIn(instanceUid, 'find_contact');
    if (wait > 0 && !this.paced.has(instanceUid)) this.paced.set(instanceUid, setTimeout(() => (this.paced.delete(instanceUid), this.pump(instanceUid)), wait));
    return wait <= 0;
  }

  /**
   * Asks the CRM about `lookups` (one, or a batch that waited for this slot) in one of the
   * instance's slots, then hands the slot on. A batch is one CRM operation: the breaker counts its
   * outcome once, and a failure is each lookup's (each retried or held as a lookup on its own is).
   */
  private async run(instanceUid: string, lookups: WaitingLookup[]): Promise<void> {
    // Its search's place in the rate, held from now: the lookups after it wait for the next one.
    const reservation = this.pacer.reserve(instanceUid, 'find_contact');
    try {
      const admission = this.breaker.admit(instanceUid);
      if (admission.kind === 'held') {
        for (const lookup of lookups) this.settle(lookup, this.held());
        return;
      }
      for (let i = 0; i < lookups.length; i++) this.metrics.crmLookup('crm');
      const { session } = lookups[0]!;
      const numbers = [...new Set(lookups.map((lookup) => lookup.number))];
      // Only what the search found before the follow-ups is told, never cached: the cache holds complete contacts.
      const searched = lookups.some((lookup) => lookup.searched) ? (found: Contact[][]) => lookups.forEach((lookup) => lookup.searched?.(found[numbers.indexOf(lookup.number)] ?? [])) : undefined;
      const outcome = await withTimeout(() => findEach(session, numbers, searched), this.settings.timeoutMs);
      this.breaker.record(instanceUid, outcome);
      this.metrics.crmRequest('find_contact', outcome);
      const byNumber = new Map(numbers.map((number, index) => [number, outcome.ok ? ({ ok: true, value: outcome.value[index] ?? [] } as const) : outcome]));
      for (const [number, found] of byNumber) {
        if (!found.ok) continue;
        const ttl = found.value.length > 0 ? this.settings.matchTtlMs : this.settings.missTtlMs;
        this.cache.set(cacheKey(instanceUid, number), { contacts: found.value, expires: this.now() + ttl });
      }
      for (const lookup of lookups) this.settle(lookup, byNumber.get(lookup.number)!);
    } catch (error) {
      // Nothing above should throw; if it does, no lookup of the batch is left waiting forever (a settled one stays so).
      for (const lookup of lookups) this.settle(lookup, { ok: false, error: error instanceof Error ? error.message : String(error), retry: true });
    } finally {
      reservation.release();
      this.leave(instanceUid);
    }
  }

  private held(): CrmOutcome<Contact[]> {
    this.metrics.crmLookup('held');
    return LOOKUP_HELD;
  }

  /** A call's lookup was held: it is asked again when its CRM answers (`takeHeld`). */
  keepHeld(lookup: PendingLookup): void {
    if (this.heldLookups.size >= MAX_HELD_LOOKUPS) this.heldLookups.delete(this.heldLookups.keys().next().value!);
    this.heldLookups.set(lookup.callId, lookup);
  }

  /** The held lookups of an instance whose CRM answers again, forgotten here. */
  takeHeld(instanceUid: string): PendingLookup[] {
    const taken: PendingLookup[] = [];
    for (const [callId, lookup] of this.heldLookups) {
      if (lookup.instanceUid !== instanceUid) continue;
      taken.push(lookup);
      this.heldLookups.delete(callId);
    }
    return taken;
  }

  /** Whether the call's lookup is still running. */
  isIdentifying(callId: number): boolean {
    return this.identifying.has(callId);
  }

  /** Lookups of calls not answered yet (waiting their turn or asking the CRM), and how long the oldest has waited, for `/metrics`. */
  backlog(): { depth: number; oldestSeconds: number } {
    let oldest = Infinity;
    for (const since of this.identifying.values()) oldest = Math.min(oldest, since);
    return { depth: this.identifying.size, oldestSeconds: this.identifying.size === 0 ? 0 : Math.max(0, this.now() - oldest) / 1000 };
  }

  /** Drops an instance's cached numbers (its CRM setup changed). */
  forget(instanceUid: string): void {
    const prefix = cacheKey(instanceUid, '');
    for (const key of this.cache.keys()) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  /** A slot freed: the lookups waiting for it go (`pump`). */
  private leave(instanceUid: string): void {
    const running = this.running.get(instanceUid)! - 1;
    if (running === 0) this.running.delete(instanceUid);
    else this.running.set(instanceUid, running);
    this.pump(instanceUid);
  }
}

/** The contacts of each number: one search for them all when there are several (`takeBatch` puts several together only for a session that searches so). */
async function findEach(session: CrmSession, numbers: readonly string[], searched?: (found: Contact[][]) => void): Promise<CrmOutcome<Contact[][]>> {
  if (numbers.length > 1) return session.findContactsOf!(numbers, searched);
  const one = await session.findContacts(numbers[0]!, searched && ((contacts) => searched([contacts])));
  return one.ok ? { ok: true, value: [one.value] } : one;
}

/** A lookup waiting for one of its instance's CRM slots. */
export interface WaitingLookup {
  session: CrmSession;
  number: string;
  settle: (outcome: CrmOutcome<Contact[]>) => void;
  /** Told whom the search found while follow-ups are still due (a call's lookup, `lookUpCaller`). */
  searched?: ((contacts: Contact[]) => void) | undefined;
  /** A call's lookup (`identify`): its call is being identified until it settles. */
  callId?: number;
}

/** A call's lookup, waiting itself (`identify`). */
export interface CallLookup extends WaitingLookup {
  callId: number;
}

/**
 * Takes out of `queue` the first lookup waiting, with the later ones of its session that fit in
 * one search with it: `lookupBatch` numbers at most (a number asked twice counts once), when the
 * session searches several at once. The others keep their places in `queue` itself: a copy of
 * them per search, on a saturated relay whose queue holds a burst's thousands of callers, was
 * 1.3 KB per new call of the throughput bench's CRM row (crm-load.ts `--heap`, issue 10).
 */
export function takeBatch(queue: WaitingLookup[]): WaitingLookup[] {
  const first = queue[0]!;
  const size = first.session.findContactsOf ? (first.session.lookupBatch ?? 1) : 1;
  const numbers = new Set([first.number]);
  const batch = [first];
  let kept = 0;
  for (let i = 1; i < queue.length; i++) {
    const lookup = queue[i]!;
    if (lookup.session === first.session && (numbers.has(lookup.number) || numbers.size < size)) {
      numbers.add(lookup.number);
      batch.push(lookup);
    } else queue[kept++] = lookup;
  }
  queue.length = kept;
  return batch;
}

function cacheKey(instanceUid: string, number: string): string {
  return `${instanceUid}\n${number}`;
}
