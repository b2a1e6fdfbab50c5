import browser from 'webextension-polyfill';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { requestCall } from '../call-request.ts';
import { messageListener, type TabMessages } from '../messages.ts';
import { defaultCountry, resolvedDefaultCountry } from '../storage.ts';
import { CallProgressCards } from './call-progress.tsx';
import { IncomingPopups } from './incoming-popup.tsx';
import { startScanner } from './scan/scanner.ts';

/** Marks the frame so a second injection (site enabled while the tab was open) does nothing. */
const RUNNING = '__phoneConnectorContent';

export async function startContentScript(ctx: ContentScriptContext): Promise<void> {
  const marker = window as unknown as Record<string, unknown>;
  if (marker[RUNNING]) return;
  marker[RUNNING] = true;
  ctx.onInvalidated(() => delete marker[RUNNING]);

  let country = await resolvedDefaultCountry();
  const isTop = window === window.top;
  const progress = new CallProgressCards(document, () => country);
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

  if (!isTop) return; // popups and progress cards live in the top frame only
  const popups = new IncomingPopups(document, () => country);
  const onMessage = messageListener<TabMessages>({
    'call-progress': (m) => progress.update(m),
    'incoming-call': (m) => popups.show(m.call, m.searchUrl),
  });
  browser.runtime.onMessage.addListener(onMessage);
  ctx.onInvalidated(() => {
    browser.runtime.onMessage.removeListener(onMessage);
    popups.closeAll();
    progress.closeAll();
  });
}
