import type { CallStatus, CallView } from '@phone-connector/shared';

/**
 * The one message map between the background, content scripts and extension pages. Every
 * message is `{type, ...}`; `Request` lists what each side sends, `Response` what it gets back.
 */
export type ContentToBackground =
  /**
   * A number to call, and its extension ("ext. 204") when it has one. The background takes the
   * tab to show progress in from the sender, never from the message.
   */
  | { type: 'place-call'; to: string; extension?: string }
  | { type: 'save-notes'; callId: number; notes: string };

export type BackgroundToContent =
  /** Progress of a call this agent placed, shown as a small status card near the page corner. */
  | { type: 'call-progress'; key: string; to: string; state: CallProgressState; detail?: string; durationSeconds?: number }
  /** An incoming call to show (or update) in the popup; `call.id` is the relay call id. */
  | { type: 'incoming-call'; call: CallView; searchUrl?: string };

/** A placed call's status, before the provider has one (`calling`) and when it refused (`error`). */
export type CallProgressState = 'calling' | CallStatus | 'error';

export type PlaceCallResponse = { ok: true; key: string } | { ok: false; error: string };
export type SaveNotesResponse = { ok: true } | { ok: false; error: string };

export function isContentMessage(message: unknown): message is ContentToBackground {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}
