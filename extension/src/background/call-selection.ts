import browser from 'webextension-polyfill';
import type { PlaceCallResponse } from '../messages.ts';
import type { OutboundCalls } from './calls.ts';

/** The keyboard command (wxt.config.ts `commands`, Alt+Shift+D, "dial", unless the agent picks other keys) that calls the number selected in the page. */
export const CALL_SELECTION_COMMAND = 'call-selection';

/**
 * The shortcut pressed in a tab: the number selected there is called, as the context menu's
 * "Call …" calls it, its progress shown in the page (pressing the shortcut grants the page to
 * the extension, so this works on any site, enabled or not). Nothing selected, or no number in
 * it, says so in the page; a page no extension may read (the browser's own) in a notification.
 */
export async function callSelection(outbound: Pick<OutboundCalls, 'placeSelection' | 'refuse'>, tabId: number): Promise<PlaceCallResponse> {
  let selected: string | undefined;
  try {
    selected = await selectionIn(tabId);
  } catch {
    const reason = 'Phone Connector cannot read this page: select a number on a web page, or type it in the toolbar popup.';
    await browser.notifications.create(`pc-selection-${Date.now()}`, { type: 'basic', iconUrl: browser.runtime.getURL('/icon/128.png'), title: 'Nothing to call', message: reason });
    return { ok: false, error: reason };
  }
  if (!selected) return outbound.refuse('', `Select a phone number in the page, then press ${(await callSelectionShortcut()) ?? 'the shortcut (chrome://extensions/shortcuts)'} again.`, tabId);
  return outbound.placeSelection(selected, tabId);
}

/**
 * The text selected in the tab: in the page or any of its frames, or in the text field that has
 * the focus (a CRM's edit form), whose selection the page's does not include. The frame with
 * focus first.
 */
async function selectionIn(tabId: number): Promise<string | undefined> {
  const frames = await browser.scripting.executeScript({
    target: { tabId, allFrames: true },
    func: () => {
      const field = document.activeElement;
      let text = '';
      if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) {
        try {
          text = field.value.slice(field.selectionStart ?? 0, field.selectionEnd ?? 0);
        } catch {
          // An input type without a selection (email, number): nothing selected in it.
        }
      }
      return { text: text || (getSelection()?.toString() ?? ''), focused: document.hasFocus() };
    },
  });
  const read = frames.map((frame) => frame.result as { text: string; focused: boolean } | undefined).filter((r) => r && r.text.trim());
  return (read.find((r) => r!.focused) ?? read[0])?.text.trim();
}

/** The keys that run the command as the agent has them now; undefined when none (removed, or a browser without shortcuts). */
export async function callSelectionShortcut(): Promise<string | undefined> {
  try {
    const commands = await browser.commands.getAll();
    return commands.find((c) => c.name === CALL_SELECTION_COMMAND)?.shortcut || undefined;
  } catch {
    return undefined;
  }
}
