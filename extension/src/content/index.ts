import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { requestCall } from '../call-request.ts';
import { defaultCountry, resolvedDefaultCountry } from '../storage.ts';
import { startScanner } from './scan/scanner.ts';

/** Marks the frame so a second injection (site enabled while the tab was open) does nothing. */
const RUNNING = '__phoneConnectorContent';

/**
 * Finds the page's numbers and draws their call buttons. The popups and progress cards of calls
 * are not here: the background injects the call UI (./call-ui.ts) into a tab when it has a call
 * to show there, so a page without calls never loads them (issue #12: the script's size).
 */
export async function startContentScript(ctx: ContentScriptContext): Promise<void> {
  const marker = window as unknown as Record<string, unknown>;
  if (marker[RUNNING]) return;
  marker[RUNNING] = true;
  ctx.onInvalidated(() => delete marker[RUNNING]);

  let country = await resolvedDefaultCountry();
  // The background shows how the call goes (or why it was refused) on a progress card.
  const placeCall = (e164: string, extension?: string) => void requestCall(e164, extension).catch(() => undefined);
  const scanner = startScanner({ root: document, defaultCountry: country, signal: ctx.signal, onCall: placeCall });
  // Every frame watches the setting itself: the agent's new country reaches open tabs, frames included.
  ctx.onInvalidated(
    defaultCountry.watch(async () => {
      const next = await resolvedDefaultCountry();
      if (next === country) return;
      country = next;
      scanner.rescan(next);
    }),
  );
}
