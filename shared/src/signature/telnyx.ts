export interface TelnyxSignatureInput {
  /** The account's Ed25519 public key: base64 of its 32 raw bytes. */
  publicKey: string;
  /** telnyx-signature-ed25519: base64 of the 64-byte signature. */
  signature: string | undefined;
  /** telnyx-timestamp: Unix seconds. */
  timestamp: string | undefined;
  body: string;
  /** Milliseconds since the epoch (injected: the engine reads no clock of its own). */
  now: number;
  toleranceSeconds: number;
}

/**
 * Telnyx webhooks (Call Control and TeXML): Ed25519 over `${timestamp}|${rawBody}`, and the
 * timestamp must be within the tolerance of now, so a captured webhook cannot be replayed later.
 */
export async function verifyTelnyxSignature(input: TelnyxSignatureInput): Promise<boolean> {
  const { signature, timestamp } = input;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(input.now / 1000 - Number(timestamp)) > input.toleranceSeconds) return false;
  const key = decodeBase64(input.publicKey);
  const signatureBytes = decodeBase64(signature);
  if (key?.length !== 32 || signatureBytes?.length !== 64) return false;
  try {
    const imported = await crypto.subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, imported, signatureBytes, new TextEncoder().encode(`${timestamp}|${input.body}`));
  } catch {
    return false;
  }
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text.trim());
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
