import { storage } from '#imports';
import { buildCallReport, type CallTarget, type CallView, canHangUp, defaultAuthEnvironment, hangUpCall, isCallStatus, isFinalStatus, memoryTokenCache, placeCall } from '@phone-connector/shared';
import { loadCallSetup } from '../call-setup.ts';
import { type ForwardedEntry, ForwardedCalls } from './call-forwarding.ts';
import type { KeptEntries } from './session-map.ts';
import { detectSelectedNumber } from '../numbers/detect-numbers.ts';
import { type CallProgressState, type HangUpAnswer, type PlacedCallNow, type PlaceCallResponse, sendToPages, sendToTab } from '../messages.ts';
import { relaySettings, resolvedDefaultCountry } from '../storage.ts';
import { RelayApi } from '../relay/relay-api.ts';
import { shownNumber } from './shown-number.ts';

interface PlacedCall {
  key: string;
  tabId?: number;
  to: string;
  shownTo: string;
  instance: string;
  /** The provider's id of the call, as the relay's events name it. */
  callId: string;
  placedAt: number;
  /** Its status as last shown: the provider's answer, then each of the relay's events. */
  state: CallProgressState;
  /** When the call was first seen answered (in progress): its card's timer counts from then. */
  answeredAt?: number;
  /** Shown with every status of the call (an extension the agent has to key in). */
  note?: string;
  /** The connector can end it (`<hangup>`): its card offers Cancel and Hang up. */
  canHangUp: boolean;
  /** What the provider's answer to the call request told besides its id (Vonage's leg uuid, which a hang-up needs). */
  placedFields: Record<string, string>;
  /** The relay's latest view of it: what its webhooks told (an id a hang-up may need). */
  view?: CallView;
}

/**
 * A placed call still not ended this long after it was placed lost its last event (the relay
 * was down when the provider told it): the toolbar popup no longer shows it as under way. No
 * call lasts longer at Twilio, which ends calls at 4 hours unless told otherwise.
 */
export const LONGEST_CALL_MS = 4 * 60 * 60_000;

/**
 * The calls placed from this browser, kept through a restart of the service worker: their cards
 * go on showing the relay's events and can still end them (session-map.ts). No version: session
 * storage never outlives the browser, so there is no old shape to migrate.
 */
export const placedCallsKept: KeptEntries<string, ForwardedEntry<PlacedCall>> = storage.defineItem('session:placedCalls', { fallback: [] });

/**
 * Click to call: runs the connector's outgoing request from the service worker, reports the
 * call to the relay for the call log, and keeps the tab that asked informed of its progress
 * as the relay's events arrive.
 */
export class OutboundCalls {
  /** The calls placed from a tab, by provider call id: kept through the wrap-up (call-forwarding.ts). */
  private readonly placed: ForwardedCalls<string, PlacedCall>;
  private counter = 0;
  /** Tokens of token-step connectors, kept while the service worker lives. */
  private readonly tokenCache = memoryTokenCache();

  /** `now`: the clock of the wrap-up window (tests move it); `kept`: where the placed calls outlive the worker. */
  constructor(
    private readonly now: () => number = Date.now,
    kept: KeptEntries<string, ForwardedEntry<PlacedCall>> = placedCallsKept,
  ) {
    this.placed = new ForwardedCalls(now, kept);
  }

  /** Calls a number and, for one behind a switchboard, its extension; progress goes to `tabId`. */
  async place(target: Exclude<CallTarget, string>, tabId?: number): Promise<PlaceCallResponse> {
    const to = target.number;
    const key = `call-${Date.now()}-${++this.counter}`;
    const shownTo = await shownNumber(to);
    /** Set once the provider has given the call an id the connector's `<hangup>` can end it by. */
    let endable = false;
    const showProgress = (state: CallProgressState, detail?: string, durationSeconds?: number) =>
      tabId === undefined ? Promise.resolve() : sendToTab(tabId, 'call-progress', { key, to, shownTo, state, detail, durationSeconds, ...(endable ? { canHangUp: true } : {}) });
    await showProgress('calling');
    const setup = await loadCallSetup();
    if ('error' in setup) {
      await showProgress('error', setup.error);
      return { ok: false, error: setup.error };
    }
    let result;
    try {
      result = await placeCall(setup.plan, setup.context, target, (url, init) => fetch(url, init), { ...defaultAuthEnvironment(), tokenCache: this.tokenCache });
    } catch (error) {
      const message = (error as Error).message;
      await showProgress('error', message);
      return { ok: false, error: message };
    }
    if (!result.ok) {
      await showProgress('error', result.error);
      return { ok: false, error: result.error ?? 'the provider refused the call' };
    }
    // The provider cannot key in the extension (the connector never hands it over): the agent does.
    const note = target.extension && !setup.plan.outgoing?.dialsExtension ? `Extension ${target.extension}: key it in on your phone once the line answers.` : undefined;
    const report = buildCallReport(setup.instance, to, result.record);
    endable = report !== undefined && canHangUp(setup.plan);
    // Known before the tab is told: the provider's webhooks race its answer, and an event of the
    // relay's about the call that came meanwhile would find nothing (the card left at Queued while
    // the call talks, and no Hang up).
    const placed: PlacedCall | undefined = report && { key, tabId, to, shownTo, instance: setup.instance, callId: report.call_id, placedAt: this.now(), state: result.record.call_status ?? 'queued', note, canHangUp: endable, placedFields: result.record.extra };
    if (report && placed) this.placed.set(report.call_id, placed);
    /** The call's status for the card: the relay's once an event brought one, which is newer than the provider's answer. */
    const current = (): CallProgressState => placed?.state ?? result.record.call_status ?? 'queued';
    if (!placed?.view) await showProgress(current(), note);
    // The toolbar popup, if open, shows it under way (with its Cancel).
    if (placed) await sendToPages('placed-calls-changed', {});
    if (report) {
      const relay = new RelayApi(await relaySettings.getValue());
      if (relay.configured) {
        try {
          await relay.reportCall(report);
        } catch (error) {
          await showProgress(current(), [note, `not in the call log yet: ${(error as Error).message}`].filter(Boolean).join(' '));
        }
      }
    }
    await this.placed.written();
    return { ok: true, key };
  }

  /** "Call selection": the first number in the selected text (with its extension), read in the default country. */
  async placeSelection(selection: string, tabId?: number): Promise<PlaceCallResponse> {
    const target = detectSelectedNumber(selection, await resolvedDefaultCountry());
    if (target) return this.place({ number: target.e164, extension: target.extension }, tabId);
    const shown = selection.trim().slice(0, 60);
    return this.refuse(shown, `"${shown}" is not a phone number`, tabId);
  }

  /** A call that will not be placed: the reason goes to the tab's progress card and back to the asker. */
  async refuse(to: string, reason: string, tabId?: number): Promise<PlaceCallResponse> {
    if (tabId !== undefined) await sendToTab(tabId, 'call-progress', { key: `refused-${++this.counter}`, to, shownTo: await shownNumber(to), state: 'error', detail: reason });
    return { ok: false, error: reason };
  }

  /** A relay event about an outgoing call: forward its progress to the tab that placed it. */
  async onRelayCall(call: CallView): Promise<void> {
    await this.placed.ready;
    const placed = this.placed.get(call.call_id);
    if (!placed) return;
    placed.view = call;
    // The relay's JSON is not trusted to carry a known status: an unknown one shows nothing new.
    // The call goes along: the card names who is called and, once it ends, wraps it up.
    if (isCallStatus(call.status)) {
      placed.state = call.status;
      if (call.status === 'in-progress') placed.answeredAt ??= this.now();
      if (placed.tabId !== undefined) {
        const { key, to, shownTo, note, answeredAt } = placed;
        await sendToTab(placed.tabId, 'call-progress', { key, to, shownTo, state: call.status, detail: note, durationSeconds: call.duration ?? undefined, call, ...(answeredAt !== undefined ? { answeredAt } : {}), ...(placed.canHangUp ? { canHangUp: true } : {}) });
      }
    }
    this.placed.observe(call.call_id, call);
    await this.placed.save();
  }

  /**
   * The calls placed here that are still under way, newest first, for the toolbar popup: it
   * shows each with its status and, where the connector can end it, Cancel or Hang up.
   */
  async underWay(): Promise<PlacedCallNow[]> {
    await this.placed.ready;
    const since = this.now() - LONGEST_CALL_MS;
    return this.placed
      .targets()
      .filter((placed) => !isFinalStatus(placed.state) && placed.placedAt >= since)
      .reverse()
      .map(({ key, callId, instance, shownTo, state, note, canHangUp, view, answeredAt }) => ({
        key,
        callId,
        instanceId: instance,
        shownTo,
        state,
        ...(note ? { detail: note } : {}),
        ...(answeredAt !== undefined ? { answeredAt } : {}),
        ...(canHangUp ? { canHangUp } : {}),
        ...(view ? { call: view } : {}),
      }));
  }

  /**
   * Ends a call placed from the tab `tabId` (undefined: one of our own pages asks), found by its
   * card's key, through the connector's `<hangup>`. The provider's status webhook then ends the
   * call at the relay, whose event updates the card.
   */
  async hangUp(key: string, tabId: number | undefined): Promise<HangUpAnswer> {
    // Unknown: placed from another tab, or before the browser restarted.
    await this.placed.ready;
    const found = this.placed.find((placed) => placed.key === key);
    if (!found || (tabId !== undefined && found.target.tabId !== tabId)) return { ok: false, error: 'This call cannot be ended from this page: hang up on your phone.' };
    const setup = await loadCallSetup();
    if ('error' in setup) return { ok: false, error: setup.error };
    // Another provider set up since: its API knows nothing of this call's id.
    if (setup.instance !== found.target.instance || !canHangUp(setup.plan)) return { ok: false, error: 'The provider set up now cannot end this call: hang up on your phone.' };
    try {
      const target = { callId: found.key, toNumber: found.target.to, fields: { ...found.target.placedFields, ...recordFields(found.target.view) } };
      const result = await hangUpCall(setup.plan, setup.context, target, (url, init) => fetch(url, init), { ...defaultAuthEnvironment(), tokenCache: this.tokenCache });
      return result.ok ? { ok: true } : { ok: false, error: result.error ?? 'the provider did not end the call' };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }
}

/** What the relay's record of a call holds, as a connector's templates name it: its extras, and its status. */
function recordFields(view: CallView | undefined): Record<string, string> {
  if (!view) return {};
  return { ...view.extra, ...(view.status ? { call_status: view.status } : {}), ...(view.status_raw ? { call_status_raw: view.status_raw } : {}) };
}
