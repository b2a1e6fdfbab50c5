import { type Contact, type CrmOutcome, type CrmSession, isFinalStatus } from '@phone-connector/shared';
import type { ReleaseEvents } from '../calls/event-publisher.ts';
import type { RelayDeps } from '../deps.ts';
import { type AgentEvent, appendUpdated, type Call, type Instance, type StoreTx } from '../store/index.ts';
import { type CallLookup, LOOKUP_HELD } from './caller-lookup.ts';
import { contactFields, crmFields, crmSession, followCallChange, stopWaitingForLookup } from './call-log.ts';
import { customerNumber } from './crm-call.ts';
import { type Held, type HoldGroup, holdFor } from './hold-timers.ts';
import { rowTarget } from './outbox-worker.ts';

/** A new call whose caller the CRM has to be asked about. */
export interface PendingLookup {
  instanceUid: string;
  callId: number;
  number: string;
  session: CrmSession;
}

type Deps = Pick<RelayDeps, 'store' | 'crm' | 'now'>;

/**
 * Inside the transaction that creates a call: its contact from the lookup cache, which costs
 * nothing, or the lookup still to run once the call is committed. Nothing when the instance has
 * no CRM or the call no customer number.
 */
export async function identifyFromCache(deps: Deps, tx: StoreTx, instance: Instance, call: Call): Promise<{ call: Call; pending?: PendingLookup }> {
  const number = customerNumber(call);
  const session = instance.crm && number ? await crmSession(deps, tx, instance) : undefined;
  if (!session || !number) return { call };
  const cached = deps.crm.lookup.cached(instance.uid, number);
  if (!cached) return { call, pending: { instanceUid: instance.uid, callId: call.id, number, session } };
  const at = deps.now().toISOString();
  // Built from what is written rather than read back: a statement less on the webhook's path (issue 10).
  const identified: Call = { ...call, ...contactFields(cached, session, number), updated_at: at };
  await tx.setCallCrm(call.id, crmFields(identified), at);
  return { call: identified };
}

/**
 * Runs a new call's lookup off the webhook's path. The call's first events wait for it up to
 * `holdMs`: a CRM that answers in time has the contact on the very first event the agent gets;
 * a slower one lets them go and an `updated` event follows when it answers. A search that has
 * answered while its follow-ups have not (Vtiger: the contact's account, for the company, one more
 * round trip) names the caller when the hold ends, or as it answers after that: the contacts are
 * attached without the follow-ups' fields, and an `updated` event adds them once the follow-ups
 * answer (issue 10). A failed lookup leaves the call without a contact (and is not cached: the
 * next call asks again); one that fails after naming the caller leaves them named. A call that
 * ended meanwhile has its log wait for this lookup (call-log.ts): its end lets the log go.
 */
export function lookUpCaller(deps: LookupDeps, lookup: PendingLookup, firstEvents: readonly AgentEvent[]): void {
  const identification = new CallerIdentification(deps, lookup, firstEvents);
  deps.crm.lookup.identify(lookup.instanceUid, identification);
}

type LookupDeps = Deps & Pick<RelayDeps, 'publish' | 'hold' | 'log'>;

/**
 * A call's lookup while it runs, waiting its turn itself (`CallerLookup.identify`): what its hold's
 * end, its search's early answer and its own end share, in one object. A burst's lookups wait for
 * its end (webhooks-first.ts), and what each kept meanwhile outlived the nursery: a context with
 * two named closures (tsx keeps their names, a property dictionary each), a timer, a chain of
 * promises, and its first events after their release (issue 10).
 */
class CallerIdentification implements Held, CallLookup {
  readonly callId: number;
  readonly session: CrmSession;
  readonly number: string;
  private readonly release: ReleaseEvents;
  private readonly hold: HoldGroup;
  /** Whom the search found before its follow-ups, the hold's end, the lookup's, and the contacts attached meanwhile. */
  private foundEarly: Contact[] | undefined;
  private holdOver = false;
  private settled = false;
  private named: Promise<Attached | undefined> | undefined;

  constructor(
    private readonly deps: LookupDeps,
    private readonly lookup: PendingLookup,
    firstEvents: readonly AgentEvent[],
  ) {
    ({ callId: this.callId, session: this.session, number: this.number } = lookup);
    this.release = deps.hold(firstEvents);
    this.hold = holdFor(deps.crm.settings.holdMs, this);
  }

  /** The lookup's outcome (`CallerLookup`), told once. */
  settle(outcome: CrmOutcome<Contact[]>): void {
    if (this.settled) return;
    this.settled = true;
    void this.attach(outcome);
  }

  private async attach(outcome: CrmOutcome<Contact[]>): Promise<void> {
    const { deps, lookup } = this;
    try {
      const early = await this.named;
      // A held CRM logged once, when it was held (crm-breaker.ts), not once per call; the call is looked up when it answers, if still ringing.
      if (outcome === LOOKUP_HELD) deps.crm.lookup.keepHeld(lookup);
      else if (!outcome.ok) deps.log.warn('caller lookup failed', { instance: lookup.instanceUid, call: lookup.callId, error: outcome.error });
      const attached = !outcome.ok ? undefined : early ? await completeContacts(deps, lookup, outcome.value) : await attachContacts(deps, lookup, outcome.value);
      if (attached) {
        this.release(attached.call);
        deps.publish(attached.events);
      }
      // A row claimed with the contact's commit runs as it landed: nothing more is due for the call.
      if (attached?.rowClaimed) return;
      // A contact linked made the call's log due with that change; a lookup that linked none (it
      // failed, or found nobody and only the new-contact form was stored), or whose caller was named
      // before (the log waited for the follow-ups' fields), lets a waiting log go.
      if (early || !attached?.call.contact) await stopWaitingForLookup(deps, lookup.instanceUid, lookup.callId);
    } catch (error) {
      deps.log.error('caller lookup could not be stored', { instance: lookup.instanceUid, call: lookup.callId, error });
    } finally {
      this.hold.leave(this);
      this.release();
    }
  }

  holdEnded(): void {
    this.holdOver = true;
    if (this.foundEarly && !this.settled) this.nameCaller(this.foundEarly);
    else this.release();
  }

  /** Whom the search found while its follow-ups are still due (`WaitingLookup.searched`). */
  searched(contacts: Contact[]): void {
    if (this.settled || this.named || contacts.length === 0) return;
    this.foundEarly = contacts;
    if (this.holdOver) this.nameCaller(contacts);
  }

  private nameCaller(contacts: Contact[]): void {
    const { deps, lookup } = this;
    this.named = attachContacts(deps, lookup, contacts).then(
      (attached) => {
        this.release(attached?.call);
        if (attached) deps.publish(attached.events);
        return attached;
      },
      // Not stored: the events go without the name, and the lookup's answer is attached as if none was named.
      (error: unknown) => {
        deps.log.error('caller lookup could not be stored', { instance: lookup.instanceUid, call: lookup.callId, error });
        this.release();
        return undefined;
      },
    );
  }
}

/**
 * The instance's CRM answers again (crm-breaker.ts): the calls whose lookup it held and that still
 * ring are looked up now, their contact coming in an `updated` event. An ended call is not: its log
 * went, or goes, without the contact, as after a failed lookup.
 */
export async function lookUpHeldCallers(deps: LookupDeps, instanceUid: string): Promise<void> {
  for (const lookup of deps.crm.lookup.takeHeld(instanceUid)) {
    const call = await deps.store.callById(lookup.callId);
    if (call && !isFinalStatus(call.status) && call.contact === null) lookUpCaller(deps, lookup, []);
  }
}

/** What a lookup attached to its call: the call as committed, its `updated` events, and whether its log was claimed with that commit. */
interface Attached {
  call: Call;
  events: AgentEvent[];
  rowClaimed: boolean;
}

function attachContacts(deps: Deps, lookup: PendingLookup, contacts: Contact[]): Promise<Attached | undefined> {
  // On a saturated relay, committed together with the other CRM steps' transactions (webhooks-first.ts).
  return deps.crm.turns.commit(() =>
    deps.store.transaction(async (tx) => {
      const before = await tx.callById(lookup.callId);
      // The call may be gone (its instance deleted) or linked already (a cache filled by a parallel call's lookup is not applied twice).
      if (!before || before.contact !== null || before.contacts.length > 0) return undefined;
      const fields = contactFields(contacts, lookup.session, lookup.number);
      if (fields.contact === null && fields.new_contact_url === null) return undefined;
      const at = deps.now().toISOString();
      const after: Call = { ...before, ...fields, updated_at: at };
      await tx.setCallCrm(before.id, crmFields(after), at);
      // Read again here: the lookup ran after the webhook's commit, and the instance may have changed or gone since.
      const instance = await tx.instanceByUid(lookup.instanceUid);
      const call = instance ? await followCallChange(deps, tx, instance, before, after) : after;
      const agentIds = await tx.agentIdsOfCall(call.id);
      const events = await appendUpdated(tx, call, at, agentIds);
      // The call ended while its caller was looked up: its log, claimed in this transaction, starts
      // from the call as this transaction leaves it, with no read transaction of its own (issue 10).
      const rowClaimed = instance !== undefined && (await deps.crm.handOverRead(tx, call.id, async () => ({ call, target: await rowTarget(deps, tx, instance, call, async () => agentIds) })));
      return { call, events, rowClaimed };
    }),
  );
}

/**
 * The lookup's answer, complete, for a call whose caller was named before the follow-ups answered:
 * each contact as the CRM now gives it (the company added), the one linked staying linked, be it
 * the agent's pick (`PATCH /calls/:id`). Nothing when the follow-ups added nothing (they failed).
 */
function completeContacts(deps: Deps, lookup: PendingLookup, contacts: Contact[]): Promise<Attached | undefined> {
  return deps.crm.turns.commit(() =>
    deps.store.transaction(async (tx) => {
      const before = await tx.callById(lookup.callId);
      if (!before) return undefined;
      const contact = before.contact && (contacts.find((found) => found.id === before.contact!.id) ?? before.contact);
      if (JSON.stringify([contact, contacts]) === JSON.stringify([before.contact, before.contacts])) return undefined;
      const at = deps.now().toISOString();
      const call: Call = { ...before, contact, contacts, updated_at: at };
      await tx.setCallCrm(call.id, crmFields(call), at);
      return { call, events: await appendUpdated(tx, call, at), rowClaimed: false };
    }),
  );
}
