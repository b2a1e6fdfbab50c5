import { type PlaceCallResponse, sendToBackground } from './messages.ts';

/**
 * Asks the background to call a number, with its extension when it has one, from a call
 * button, or the toolbar popup's dial box. The background decides whether this sender may.
 */
export function requestCall(to: string, extension?: string): Promise<PlaceCallResponse> {
  return sendToBackground('place-call', extension ? { to, extension } : { to });
}
