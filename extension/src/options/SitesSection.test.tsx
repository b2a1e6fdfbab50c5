// @vitest-environment happy-dom
import browser from 'webextension-polyfill';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { SitesSection } from './SitesSection.tsx';

// The options page's Sites section in happy-dom, with WXT's fake browser.
let root: HTMLElement;
beforeEach(() => {
  fakeBrowser.reset();
  root = document.createElement('div');
  document.body.append(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.restoreAllMocks();
});

const hint = () => root.querySelector('[data-pc-field="shortcut"]');

describe('the keyboard shortcut, in the options', () => {
  it("names the keys that call a selected number, as the agent has them, and opens the browser's page to change them", async () => {
    vi.spyOn(browser.commands, 'getAll').mockResolvedValue([{ name: 'call-selection', shortcut: 'Alt+Shift+D' }]);
    const opened = vi.spyOn(browser.tabs, 'create').mockResolvedValue({} as browser.Tabs.Tab);
    render(<SitesSection />, root);
    await expect.poll(() => hint()?.textContent).toBe('On any page, select a number and press Alt+Shift+D to call it. Change the keys');
    act(() => root.querySelector<HTMLButtonElement>('[data-pc-action="change-shortcut"]')!.click());
    expect(opened).toHaveBeenCalledWith({ url: 'chrome://extensions/shortcuts' });
  });

  it('says when no keys are set (the agent removed them, or the browser gave them to another extension), and offers to choose some', async () => {
    vi.spyOn(browser.commands, 'getAll').mockResolvedValue([{ name: 'call-selection', shortcut: '' }]);
    render(<SitesSection />, root);
    await expect.poll(() => hint()?.textContent).toBe('No keys call a number selected in a page. Choose keys');
  });
});
