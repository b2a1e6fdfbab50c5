// @vitest-environment happy-dom
import browser from 'webextension-polyfill';
import type { Scripting } from 'webextension-polyfill';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { callSelection } from './call-selection.ts';

// The page's part runs for real in happy-dom's document (the one frame the spy reports); other
// frames are given as the browser would report them.
let calls: Array<[string, string, number?]>;
const outbound = {
  placeSelection: async (text: string, tabId?: number) => {
    calls.push(['place', text, tabId]);
    return { ok: true as const, key: 'call-1' };
  },
  refuse: async (to: string, reason: string, tabId?: number) => {
    calls.push(['refuse', reason, tabId]);
    return { ok: false as const, error: reason };
  },
};
let otherFrames: Array<{ text: string; focused: boolean }>;

beforeEach(() => {
  fakeBrowser.reset();
  calls = [];
  otherFrames = [];
  document.body.innerHTML = '<p id="phone">Call +1 (415) 555-0100 today</p><input id="field" value="Mobile: 020 7946 0958">';
  vi.spyOn(browser.scripting, 'executeScript').mockImplementation(async (injection: Scripting.ScriptInjection) => [
    { documentId: 'top', frameId: 0, result: injection.func!() },
    ...otherFrames.map((result, i) => ({ documentId: `frame-${i}`, frameId: i + 1, result })),
  ]);
  vi.spyOn(browser.commands, 'getAll').mockResolvedValue([{ name: 'call-selection', shortcut: 'Alt+Shift+D' }]);
});
afterEach(() => vi.restoreAllMocks());

const select = (node: Node, start: number, end: number) => {
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, end);
  getSelection()!.removeAllRanges();
  getSelection()!.addRange(range);
};

describe('the "call the selected number" shortcut', () => {
  it("calls the number selected in the page, in the tab's frames", async () => {
    select(document.getElementById('phone')!.firstChild!, 5, 22);
    expect(await callSelection(outbound, 7)).toEqual({ ok: true, key: 'call-1' });
    expect(calls).toEqual([['place', '+1 (415) 555-0100', 7]]);
    expect(browser.scripting.executeScript).toHaveBeenCalledWith(expect.objectContaining({ target: { tabId: 7, allFrames: true } }));
  });

  it('calls the part of a text field the agent selected (a CRM edit form), which the page selection leaves out', async () => {
    const field = document.getElementById('field') as HTMLInputElement;
    field.focus();
    field.setSelectionRange(8, 21);
    await callSelection(outbound, 7);
    expect(calls).toEqual([['place', '020 7946 0958', 7]]);
  });

  it('takes the selection of the frame with the focus first', async () => {
    select(document.getElementById('phone')!.firstChild!, 5, 22);
    // The agent clicked into a frame after selecting in the page: the frame has the focus.
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    otherFrames = [{ text: '', focused: false }, { text: ' +44 20 7946 0958 ', focused: true }];
    await callSelection(outbound, 7);
    expect(calls).toEqual([['place', '+44 20 7946 0958', 7]]);
  });

  it('says in the page, with the keys the agent has, that nothing is selected', async () => {
    getSelection()!.removeAllRanges();
    vi.mocked(browser.commands.getAll).mockResolvedValue([{ name: 'call-selection', shortcut: 'Ctrl+Shift+9' }]);
    expect(await callSelection(outbound, 7)).toEqual({ ok: false, error: 'Select a phone number in the page, then press Ctrl+Shift+9 again.' });
    vi.mocked(browser.commands.getAll).mockResolvedValue([{ name: 'call-selection', shortcut: '' }]);
    await callSelection(outbound, 7);
    expect(calls.map(([, reason]) => reason)).toEqual([
      'Select a phone number in the page, then press Ctrl+Shift+9 again.',
      'Select a phone number in the page, then press the shortcut (chrome://extensions/shortcuts) again.',
    ]);
  });

  it("says in a notification that a page the extension may not read (the browser's own) has nothing to call", async () => {
    vi.mocked(browser.scripting.executeScript).mockRejectedValue(new Error('Cannot access a chrome:// URL'));
    const notify = vi.spyOn(browser.notifications, 'create');
    const answer = await callSelection(outbound, 7);
    expect(answer).toEqual({ ok: false, error: expect.stringMatching(/^Phone Connector cannot read this page/) });
    expect(notify).toHaveBeenCalledWith(expect.stringMatching(/^pc-selection-/), expect.objectContaining({ title: 'Nothing to call', message: answer.ok ? '' : answer.error }));
    expect(calls).toEqual([]);
  });
});
