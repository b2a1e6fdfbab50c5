import { useState } from 'preact/hooks';
import { requestCall } from '../call-request.ts';

/**
 * Calling a listed call's number again from the toolbar popup, and what came of it under that
 * call. It asks the background exactly as a call button on a page does (`place-call`), so the
 * background's checks apply to it.
 */
export function useCallBack() {
  const [calling, setCalling] = useState<{ id: number; text: string; kind: 'ok' | 'error' } | undefined>(undefined);
  const callBack = async (callId: number, number: string) => {
    setCalling({ id: callId, kind: 'ok', text: 'Calling your phone…' });
    const result = await requestCall(number);
    setCalling({ id: callId, ...(result.ok ? { kind: 'ok', text: 'Your phone is ringing.' } : { kind: 'error', text: result.error }) });
  };
  /** The call back's progress, under the call `callId` it was asked from. */
  const status = (callId: number) =>
    calling?.id === callId ? (
      <p role="status" class={calling.kind}>
        {calling.text}
      </p>
    ) : null;
  return { callBack, status };
}
