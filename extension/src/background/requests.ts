import type { CallTarget } from '@phone-connector/shared';
import type { Runtime } from 'webextension-polyfill';
import { type BackgroundMessages, messageListener, type PlaceCallResponse, type SaveNotesResponse } from '../messages.ts';
import { relaySettings } from '../storage.ts';
import type { CallRateLimit } from './call-rate-limit.ts';
import type { OutboundCalls } from './calls.ts';
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
export function handleRequests(outbound: OutboundCalls, rateLimit: CallRateLimit) {
  return messageListener<BackgroundMessages>({
    'place-call': (message, sender) => placeCall(outbound, rateLimit, message, sender),
    'save-notes': (message, sender) => saveNotes(message.callId, message.notes, sender),
  });
}

async function placeCall(outbound: OutboundCalls, rateLimit: CallRateLimit, message: Untrusted<BackgroundMessages['place-call']['request']>, sender: Runtime.MessageSender): Promise<PlaceCallResponse> {
  const checked = await checkSender(sender);
  if ('refused' in checked) return { ok: false, error: `Call refused: ${checked.refused}.` };
  const target = readTarget(message);
  if (!target) return { ok: false, error: 'Call refused: the request carries no number to call.' };
  if (checked.kind === 'page') {
    const slot = rateLimit.take(checked.tabId);
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

async function saveNotes(callId: number, notes: string, sender: Runtime.MessageSender): Promise<SaveNotesResponse> {
  const checked = await checkSender(sender);
  if ('refused' in checked) return { ok: false, error: `Notes refused: ${checked.refused}.` };
  try {
    await new RelayApi(await relaySettings.getValue()).updateCall(callId, { notes });
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
