import type { CallNotes, CallStatus, CallView } from '@phone-connector/shared';
import browser from 'webextension-polyfill';
import type { Runtime } from 'webextension-polyfill';

/**
 * The messages between the background, content scripts and extension pages, in one place: each
 * kind maps to what is sent (`request`, travelling as `{type, ...request}`) and what comes back
 * (`response`). Senders and listeners go through the helpers below, so neither side casts.
 */
type MessageMap = Record<string, { request: object; response: unknown }>;

/** Asked of the background by content scripts and our pages (the popup's dial box, the options' test call). */
export type BackgroundMessages = {
  /**
   * A number to call, and its extension ("ext. 204") when it has one. The background takes the
   * tab to show progress in from the sender, never from the message.
   */
  'place-call': { request: { to: string; extension?: string }; response: PlaceCallResponse };
  /** Notes, disposition or the picked contact of a relay call (`PATCH /calls/:id`); answers the call as the relay now has it. */
  'update-call': { request: { callId: number; patch: CallNotes }; response: CallAnswer };
  /** Tries a failed CRM log again (`POST /calls/:id/crm-log/retry`). */
  'retry-crm-log': { request: { callId: number }; response: CallAnswer };
  /** What the agent may pick when wrapping up a call of this instance (fetched once per instance). */
  'crm-dispositions': { request: { instanceId: string }; response: DispositionsAnswer };
  /** Ends a call placed from the sender's tab, by its card's key (Cancel, Hang up): the connector's `<hangup>`. */
  'hang-up-call': { request: { key: string }; response: HangUpAnswer };
  /** The calls placed from this browser still under way (the toolbar popup shows them with Cancel and Hang up); for our own pages only. */
  'placed-calls': { request: Record<string, never>; response: PlacedCallsAnswer };
};

/** Sent by the background to a tab's top-frame call UI (injected on the first, see `sendToTab`), which answers nothing. */
export type TabMessages = {
  /**
   * Progress of a call this agent placed, shown as a small status card near the page corner;
   * `call` is the relay's view of it once an event brought one (who is called, its CRM log).
   * `shownTo` is `to` as the agent reads it (national in their default country): the background
   * formats it, so the call UI carries no libphonenumber.
   */
  'call-progress': {
    request: {
      key: string;
      to: string;
      shownTo: string;
      state: CallProgressState;
      detail?: string;
      durationSeconds?: number;
      /** When the background first saw the call answered (epoch ms): the card's timer counts from then while it lasts. */
      answeredAt?: number;
      call?: CallView;
      /** The connector can end the call (`<hangup>`): the card offers Cancel while it rings and Hang up once answered. */
      canHangUp?: boolean;
    };
    response: void;
  };
  /** An incoming call to show (or update) in the popup; `call.id` is the relay call id. */
  'incoming-call': { request: { call: CallView } & PopupContext; response: void };
};

/** Sent by the background to our own open pages (the toolbar popup), which answer nothing. */
export type PageMessages = {
  /** A call as the relay's last event has it: its line in the popup's recent calls changes, or a new one comes first. */
  'call-changed': { request: { call: CallView }; response: void };
  /** A call was placed from this browser (a page's button, the menu, the dial box): the popup asks for the calls under way again. */
  'placed-calls-changed': { request: Record<string, never>; response: void };
};

/** What the background adds to an incoming call's popup, formatted there (the call UI carries no libphonenumber). */
export interface PopupContext {
  /** The CRM's search for the caller, on the site of the tab that shows the popup. */
  searchUrl?: string;
  /** The caller's number as the agent reads it (national in their default country). */
  shownFrom?: string;
  /** Who took a call the team's phones rang. */
  takenBy?: TakenBy;
}

/** Who took an incoming call the team's phones rang: this agent ("You took this call"), or a colleague ("Taken by Bob"). */
export interface TakenBy {
  /**
   * The colleague who took it, by name, else their number as the agent reads it; absent when this
   * agent did. A colleague's call is theirs to wrap up: this agent's popup offers no notes or
   * outcome (saving them would overwrite the colleague's) and closes once the call ends.
   */
  colleague?: string;
}

/** A placed call's status, before the provider has one (`calling`) and when it refused (`error`). */
export type CallProgressState = 'calling' | CallStatus | 'error';

export type PlaceCallResponse = { ok: true; key: string } | { ok: false; error: string };
export type CallAnswer = { ok: true; call: CallView } | { ok: false; error: string };
/**
 * A call placed from this browser and still under way, as its card in a page has it: `key` is
 * what `hang-up-call` ends it by, `callId` and `instanceId` what the relay's events name it by.
 */
export interface PlacedCallNow {
  key: string;
  callId: string;
  instanceId: string;
  shownTo: string;
  state: CallProgressState;
  detail?: string;
  answeredAt?: number;
  canHangUp?: boolean;
  call?: CallView;
}
export type PlacedCallsAnswer = { ok: true; calls: PlacedCallNow[] } | { ok: false; error: string };
/** The provider took the hang-up (its status webhook then ends the call), or why not. */
export type HangUpAnswer = { ok: true } | { ok: false; error: string };
/**
 * What the wrap-up form needs of a call's CRM: the outcomes to pick, and `keepsLoggedCalls`, the
 * CRM's name when its record of a call does not follow what is saved after the log (Pipedrive).
 */
export type DispositionsAnswer = { ok: true; dispositions: string[]; keepsLoggedCalls?: string } | { ok: false; error: string };

/** A message as it travels: its kind and its request's fields. */
export type Message<M extends MessageMap, K extends keyof M> = { type: K } & M[K]['request'];

/** One handler per kind; a listener built from them answers every kind and only those. */
export type MessageHandlers<M extends MessageMap> = {
  [K in keyof M]: (request: Message<M, K>, sender: Runtime.MessageSender) => Promise<M[K]['response']> | M[K]['response'];
};

export function sendToBackground<K extends keyof BackgroundMessages>(type: K, request: BackgroundMessages[K]['request']): Promise<BackgroundMessages[K]['response']> {
  return browser.runtime.sendMessage({ type, ...request });
}

/** Tells our open pages of something; with none open (the popup closed, as it mostly is), nobody hears it and that is no error. */
export async function sendToPages<K extends keyof PageMessages>(type: K, request: PageMessages[K]['request']): Promise<void> {
  try {
    await browser.runtime.sendMessage({ type, ...request });
  } catch {
    // "Receiving end does not exist": no page of ours is open.
  }
}

/** The call UI's script (src/content/call-ui.ts), as built: not in every page's content script. */
const CALL_UI_SCRIPT = '/content-scripts/call-ui.js';

/** Injections under way, by tab: messages sent meanwhile wait for the one injection, not a second. */
const injecting = new Map<number, Promise<unknown>>();

/**
 * Shows a call in a tab's top frame. The first message a document gets finds no receiver: the
 * call UI is injected, then the message sent again. A second injection would replace the
 * first's cards (WXT stops an older script of the same name), hence one per tab at a time.
 */
export async function sendToTab<K extends keyof TabMessages>(tabId: number, type: K, request: TabMessages[K]['request']): Promise<void> {
  const message = { type, ...request };
  try {
    await browser.tabs.sendMessage(tabId, message, { frameId: 0 });
    return;
  } catch {
    // No call UI in this document yet (or no tab any more): injected below.
  }
  try {
    await injectCallUi(tabId);
    await browser.tabs.sendMessage(tabId, message, { frameId: 0 });
  } catch {
    // The tab closed or navigated away from an enabled site: nothing to show there.
  }
}

function injectCallUi(tabId: number): Promise<unknown> {
  let injection = injecting.get(tabId);
  if (!injection) {
    injection = browser.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: [CALL_UI_SCRIPT] }).finally(() => injecting.delete(tabId));
    injecting.set(tabId, injection);
  }
  return injection;
}

/**
 * A `runtime.onMessage` listener that routes each kind to its handler. Anything else gets no
 * answer from it (`undefined`), so another listener, or none, may answer.
 */
export function messageListener<M extends MessageMap>(handlers: MessageHandlers<M>) {
  return (message: unknown, sender: Runtime.MessageSender): Promise<M[keyof M]['response']> | undefined => {
    if (!isMessageFor(handlers, message)) return undefined;
    return Promise.resolve(dispatch(handlers, message, sender));
  };
}

function dispatch<M extends MessageMap, K extends keyof M>(handlers: MessageHandlers<M>, message: Message<M, K>, sender: Runtime.MessageSender) {
  return handlers[message.type](message, sender);
}

/**
 * Only our own scripts can message the background and the content script (there is no
 * `externally_connectable`), so a known `type` says what the message is; handlers still check
 * what a hijacked page could abuse (see background/requests.ts).
 */
function isMessageFor<M extends MessageMap>(handlers: MessageHandlers<M>, message: unknown): message is Message<M, keyof M> {
  if (typeof message !== 'object' || message === null || !('type' in message)) return false;
  return typeof message.type === 'string' && Object.hasOwn(handlers, message.type);
}
