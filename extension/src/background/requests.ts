import { callNotesSchema, type CallTarget, type CallView } from '@phone-connector/shared';
import type { Runtime } from 'webextension-polyfill';
import { type BackgroundMessages, type CallAnswer, type DispositionsAnswer, type HangUpAnswer, messageListener, type PlaceCallResponse, type PlacedCallsAnswer } from '../messages.ts';
import { relaySettings } from '../storage.ts';
import type { CallRateLimit } from './call-rate-limit.ts';
import type { OutboundCalls } from './calls.ts';
import type { CrmDispositions } from './crm-dispositions.ts';
import { RelayApi } from '../relay/relay-api.ts';
import { checkSender } from './trusted-sender.ts';

/** A request's fields as a page could have forged them: checked before use. */
type Untrusted<T> = { [K in keyof T]?: unknown };

/** Far longer than any written phone number; a longer `to` is not one. */
const MAX_NUMBER_TEXT = 100;

/**
 * The background's side of the message map: every message from a content script or one of our
 * pages is checked against who the browser says sent it before anything happens. Calls from
 * pages are rate-limited per tab; our own pages (the toolbar popup's dial box) are the agent
 * typing, and are not.
 */
export function handleRequests(outbound: OutboundCalls, rateLimit: CallRateLimit, dispositions: CrmDispositions) {
  return messageListener<BackgroundMessages>({
    'place-call': (message, sender) => placeCall(outbound, rateLimit, message, sender),
    'update-call': (message, sender) => updateCall(message, sender),
    'retry-crm-log': (message, sender) => retryCrmLog(message, sender),
    'crm-dispositions': (message, sender) => crmDispositions(dispositions, message, sender),
    'hang-up-call': (message, sender) => hangUpCall(outbound, message, sender),
    'placed-calls': (_message, sender) => placedCalls(outbound, sender),
  });
}

/** Only our own pages list the calls under way: a page has its own calls' cards, and no business with the others'. */
async function placedCalls(outbound: OutboundCalls, sender: Runtime.MessageSender): Promise<PlacedCallsAnswer> {
  const checked = await checkSender(sender);
  if ('refused' in checked) return { ok: false, error: `Refused: ${checked.refused}.` };
  if (checked.kind !== 'extension-page') return { ok: false, error: 'Refused: only the toolbar popup lists the calls under way.' };
  return { ok: true, calls: await outbound.underWay() };
}

/** A page may end only the calls placed from its own tab; our pages (the toolbar popup) any placed here. */
async function hangUpCall(outbound: OutboundCalls, { key }: Untrusted<BackgroundMessages['hang-up-call']['request']>, sender: Runtime.MessageSender): Promise<HangUpAnswer> {
  const checked = await checkSender(sender);
  if ('refused' in checked) return { ok: false, error: `Hang-up refused: ${checked.refused}.` };
  if (typeof key !== 'string' || !key) return { ok: false, error: 'Hang-up refused: the request names no call.' };
  return outbound.hangUp(key, checked.kind === 'page' ? checked.tabId : undefined);
}

async function placeCall(outbound: OutboundCalls, rateLimit: CallRateLimit, message: Untrusted<BackgroundMessages['place-call']['request']>, sender: Runtime.MessageSender): Promise<PlaceCallResponse> {
  const checked = await checkSender(sender);
  if ('refused' in checked) return { ok: false, error: `Call refused: ${checked.refused}.` };
  const target = readTarget(message);
  if (!target) return { ok: false, error: 'Call refused: the request carries no number to call.' };
  if (checked.kind === 'page') {
    const slot = await rateLimit.take(checked.tabId);
    if (!slot.ok) return outbound.refuse(target.number, slot.reason, checked.tabId);
  }
  return outbound.place(target, checked.tabId);
}

/** The number and extension of a place-call message, if they are what they claim to be. */
function readTarget({ to, extension }: Untrusted<BackgroundMessages['place-call']['request']>): Exclude<CallTarget, string> | undefined {
  if (typeof to !== 'string' || !to.trim() || to.length > MAX_NUMBER_TEXT) return undefined;
  if (extension !== undefined && typeof extension !== 'string') return undefined;
  return extension ? { number: to, extension } : { number: to };
}

/** Notes, disposition or the picked contact go to the relay as the agent API takes them, checked here first. */
async function updateCall({ callId, patch }: Untrusted<BackgroundMessages['update-call']['request']>, sender: Runtime.MessageSender): Promise<CallAnswer> {
  const checked = await checkSender(sender);
  if ('refused' in checked) return { ok: false, error: `Call update refused: ${checked.refused}.` };
  const parsed = callNotesSchema.safeParse(patch);
  if (!isCallId(callId) || !parsed.success) return { ok: false, error: 'Call update refused: the request is not a call id and notes, disposition or contact.' };
  return askRelay((relay) => relay.updateCall(callId, parsed.data));
}

async function retryCrmLog({ callId }: Untrusted<BackgroundMessages['retry-crm-log']['request']>, sender: Runtime.MessageSender): Promise<CallAnswer> {
  const checked = await checkSender(sender);
  if ('refused' in checked) return { ok: false, error: `Retry refused: ${checked.refused}.` };
  if (!isCallId(callId)) return { ok: false, error: 'Retry refused: the request carries no call id.' };
  return askRelay((relay) => relay.retryCrmLog(callId));
}

async function crmDispositions(dispositions: CrmDispositions, { instanceId }: Untrusted<BackgroundMessages['crm-dispositions']['request']>, sender: Runtime.MessageSender): Promise<DispositionsAnswer> {
  const checked = await checkSender(sender);
  if ('refused' in checked) return { ok: false, error: `Dispositions refused: ${checked.refused}.` };
  if (typeof instanceId !== 'string' || !instanceId) return { ok: false, error: 'Dispositions refused: the request carries no instance id.' };
  return dispositions.get(instanceId);
}

function isCallId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** The relay's answer about a call, or its reason in words. */
async function askRelay(ask: (relay: RelayApi) => Promise<CallView>): Promise<CallAnswer> {
  try {
    return { ok: true, call: await ask(new RelayApi(await relaySettings.getValue())) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
