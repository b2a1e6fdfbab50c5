import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CallUpdate } from '../calls/merge.ts';
import type { Instance } from '../store/index.ts';

/** The call's extra that keeps the link the provider gave, once the call's `recording_url` is the relay's own. */
export const PROVIDER_RECORDING_URL = 'provider_recording_url';

/**
 * The signature of one call's recording link: an HMAC of the call's id keyed by the instance's
 * callback secret (a new secret voids the links), 128 bits in base64url. The link is shared where
 * the call is (the wrap-up, the CRM's log), as a provider's own link would be; it opens that
 * call's recording alone.
 */
export function recordingSignature(instance: Pick<Instance, 'secret'>, callId: string): string {
  return createHmac('sha256', instance.secret).update(`recording\n${callId}`).digest().subarray(0, 16).toString('base64url');
}

export function signatureMatches(instance: Pick<Instance, 'secret'>, callId: string, signature: string): boolean {
  const expected = Buffer.from(recordingSignature(instance, callId));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The relay's link to a call's recording (`GET /recordings/{instance}/{signature}?call={call id}`). */
export function recordingLink(publicUrl: string, instance: Pick<Instance, 'uid' | 'secret'>, callId: string): string {
  return `${publicUrl}/recordings/${instance.uid}/${recordingSignature(instance, callId)}?call=${encodeURIComponent(callId)}`;
}

/**
 * A webhook's recording, for a connector that fetches recordings through the relay: the call's
 * `recording_url` becomes the relay's link, and the provider's is kept in the call's extra.
 */
export function throughRelay(update: CallUpdate, publicUrl: string, instance: Pick<Instance, 'uid' | 'secret'>, callId: string): CallUpdate {
  if (!update.recording_url) return update;
  return { ...update, recording_url: recordingLink(publicUrl, instance, callId), extra: { ...update.extra, [PROVIDER_RECORDING_URL]: update.recording_url } };
}
