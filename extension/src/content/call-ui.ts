import browser from 'webextension-polyfill';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { messageListener, type TabMessages } from '../messages.ts';
import { CallProgressCards } from './call-progress.tsx';
import { IncomingPopups } from './incoming-popup.tsx';

/**
 * The popups of incoming calls and the progress cards of placed ones, in a tab's top frame. A
 * script of its own, which the background injects when it first has a call to show in the tab
 * (`sendToTab`): the content script every enabled page loads stays without preact and the cards
 * (issue #12: 60 KiB gzipped at most). Its listener is up once `main` has returned, which is
 * when the background's injection resolves. The background formats the numbers it shows:
 * libphonenumber here made the first popup in a tab wait for its parse.
 */
export function startCallUi(ctx: ContentScriptContext): void {
  const progress = new CallProgressCards(document);
  const popups = new IncomingPopups(document);
  const onMessage = messageListener<TabMessages>({
    'call-progress': (m) => progress.update(m),
    'incoming-call': ({ call, ...context }) => popups.show(call, context),
  });
  browser.runtime.onMessage.addListener(onMessage);
  ctx.onInvalidated(() => {
    browser.runtime.onMessage.removeListener(onMessage);
    popups.closeAll();
    progress.closeAll();
  });
}
