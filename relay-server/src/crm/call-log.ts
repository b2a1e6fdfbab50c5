import { type Contact, type CrmLog, type CrmSession, isFinalStatus } from '@phone-connector/shared';
import type { RelayDeps } from '../deps.ts';
import { agentCountry } from '../instances/context.ts';
import type { AgentDirectory, Call, CallCrm, CrmWork, Instance, StoreTx } from '../store/index.ts';

type CrmDeps = Pick<RelayDeps, 'crm'>;

/** The session of an instance's CRM, with its owner's country (read through `agents` when the session opens) for national numbers. */
export function crmSession(deps: CrmDeps, agents: Pick<AgentDirectory, 'agentById'>, instance: Instance): Promise<CrmSession | undefined> {
  return deps.crm.connectors.sessionFor(instance, async () => {
    const owner = await agents.agentById(instance.agentId);
    return owner && agentCountry(owner);
  });
}

export function crmFields(call: Call): CallCrm {
  return { contact: call.contact, contacts: call.contacts, new_contact_url: call.new_contact_url, crm_log: call.crm_log };
}

/** The contact fields for what a lookup found: the best match linked, every match offered, or the "new contact" form. */
export function contactFields(contacts: Contact[], session: CrmSession, number: string): Pick<CallCrm, 'contact' | 'contacts' | 'new_contact_url'> {
  return { contact: contacts[0] ?? null, contacts, new_contact_url: contacts.length === 0 ? session.newContactUrl(number) : null };
}

const PENDING: CrmLog = { state: 'pending', id: null, url: null, error: null };

/**
 * The CRM log a known call's change writes in the statement that stores its state: pending when
 * the change ends the call and it has no log yet (`followCallChange` then queues its outbox row).
 * A statement of its own after the state's, the same row written twice, was on every update
 * webhook that ends a call on an instance with a CRM (issue 10).
 */
export function logWithChange(instance: Instance, before: Call, state: Pick<Call, 'status'>): CrmLog | undefined {
  return instance.crm && before.crm_log === null && isFinalStatus(state.status) ? PENDING : undefined;
}

/**
 * Inside the store transaction that changed a call (`before` -> `after`, both as stored): brings
 * its CRM log along. A call that turns final gets `crm_log` pending and an outbox row committed
 * with it; a later change the CRM shows (notes, disposition, recording, contact, times) queues an
 * update of the same record, coalesced into the call's one row. A CRM that cannot update
 * (`canUpdate` false) logs once: as soon as the wrap-up is in (notes or disposition), else when
 * the wrap-up window ends. Returns the call as it now is.
 */
export async function followCallChange(deps: CrmDeps & Pick<RelayDeps, 'now'>, tx: StoreTx, instance: Instance, before: Call | undefined, after: Call): Promise<Call> {
  if (!instance.crm) return after;
  const canUpdate = (await crmSession(deps, tx, instance))?.canUpdate ?? true;
  const now = deps.now();
  const dueNow = logDueNow(canUpdate, after, now);
  const log = after.crm_log;
  // No log before this change: the call's first, once it is final. Its pending log came with the change's own statement (`logWithChange`), or is written now.
  if (log === null || (before !== undefined && before.crm_log === null)) {
    if (!isFinalStatus(after.status)) return after;
    let pending = after;
    if (log === null) {
      const at = now.toISOString();
      pending = { ...after, crm_log: PENDING, updated_at: at };
      // The log alone is written: the contact and matches a lookup linked are stored already (their JSON, made
      // again, was 9 of the 116 µs a CRM added to each update webhook's thread time with Vtiger; issue 10).
      await tx.setCallCrmLog(after.id, PENDING, at);
    }
    // Rows come with a log, so a call that had none has no row to read first; and the call is built
    // from what was written, not read back: two statements fewer on the webhook that ends each call (issue 10).
    await putDueCrmWork(deps, tx, newCrmWork(instance.uid, after.id, firstLogDue(deps, after, dueNow, now), now), now);
    return pending;
  }
  if (log.state === 'failed' || log.state === 'skipped' || !changedForCrm(before, after)) return after;
  // A pending log reads the call when it runs, so it needs no second row; a logged one is updated when the CRM can.
  // A first log made due by the wrap-up still waits for a caller's lookup in progress, as at the call's end: a
  // lookup waiting for its CRM's rate (issue 10) outlasts a quick wrap-up, and a Pipedrive log is never changed after.
  const due = log.id === null && dueNow ? firstLogDue(deps, after, dueNow, now) : dueNow;
  if (log.id === null || canUpdate) await enqueueCrmWork(deps, tx, instance.uid, after.id, due, now);
  return after;
}

/** When a change to the call makes its log due: now, unless a CRM that cannot update waits for the wrap-up (undefined). */
function logDueNow(canUpdate: boolean, call: Call, now: Date): Date | undefined {
  const wrappedUp = call.notes !== null || call.disposition !== null;
  return canUpdate || wrappedUp ? now : undefined;
}

/**
 * When a call's first log is due: at once, except while its caller's lookup is running (the
 * log then waits for the contact, `logWaitsForLookupMs` at most, instead of an update linking
 * it after) and for a CRM that waits for the wrap-up.
 */
function firstLogDue(deps: CrmDeps & Pick<RelayDeps, 'now'>, call: Call, dueNow: Date | undefined, now: Date): Date {
  if (!dueNow) return new Date(now.getTime() + deps.crm.settings.wrapUpMs);
  return deps.crm.lookup.isIdentifying(call.id) ? new Date(now.getTime() + deps.crm.settings.logWaitsForLookupMs) : dueNow;
}

/**
 * A lookup that ended without linking a contact (failed, or nothing to show): a first log that
 * waited for it is due now. A lookup that linked one made it due with that change.
 */
export async function stopWaitingForLookup(deps: CrmDeps & Pick<RelayDeps, 'store' | 'now'>, instanceUid: string, callId: number): Promise<void> {
  const { store } = deps;
  const now = deps.now();
  const waiting = await store.crmWorkOf(callId);
  if (waiting?.state !== 'queued' || waiting.attempts > 0 || waiting.dueAt <= now.toISOString()) return;
  await store.transaction(async (tx) => {
    const call = await tx.callById(callId);
    const instance = await tx.instanceByUid(instanceUid);
    if (!call || !instance?.crm || call.crm_log?.state !== 'pending' || call.crm_log.id !== null) return;
    const dueNow = logDueNow((await crmSession(deps, tx, instance))?.canUpdate ?? true, call, now);
    if (dueNow) await enqueueCrmWork(deps, tx, instanceUid, callId, dueNow, now);
  });
}

/** What a CRM activity shows: a change elsewhere (status words, extra fields) is not worth a request. */
function changedForCrm(before: Call | undefined, after: Call): boolean {
  if (!before) return true;
  const fields = ['status', 'started_at', 'ended_at', 'duration', 'notes', 'disposition', 'recording_url'] as const;
  return fields.some((field) => before[field] !== after[field]) || before.contact?.id !== after.contact?.id;
}

/**
 * Queues the call's CRM work, coalesced: a queued row runs at the earlier due time (`dueAt`
 * undefined keeps it) unless it is backing off from a failure, and a row in flight is marked to
 * run again once it lands.
 */
export async function enqueueCrmWork(deps: CrmDeps, tx: StoreTx, instanceUid: string, callId: number, dueAt: Date | undefined, now: Date): Promise<void> {
  const existing = await tx.crmWorkOf(callId);
  const due = (dueAt ?? now).toISOString();
  if (!existing) {
    await putDueCrmWork(deps, tx, newCrmWork(instanceUid, callId, dueAt ?? now, now), now);
  } else if (existing.state === 'inflight') {
    if (!existing.again) await tx.putCrmWork({ ...existing, again: true });
  } else if (dueAt && due < existing.dueAt && existing.attempts === 0) {
    await putDueCrmWork(deps, tx, { ...existing, dueAt: due }, now);
  }
}

function newCrmWork(instanceUid: string, callId: number, dueAt: Date, now: Date): CrmWork {
  return { callId, instanceUid, state: 'queued', dueAt: dueAt.toISOString(), attempts: 0, lastError: null, again: false, uncertain: false, lease: null, createdAt: now.toISOString() };
}

/** Stores a queued row through the outbox worker: one due now is claimed in this same transaction when it has room, and the worker learns of the rest. */
function putDueCrmWork(deps: CrmDeps, tx: StoreTx, work: CrmWork, now: Date): Promise<void> {
  return tx.putCrmWork(deps.crm.queueWithCommit(tx, work, now.toISOString()));
}
