// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { ContentScriptContext } from 'wxt/utils/content-script-context';
import { defaultCountry } from '../storage.ts';
import { boxRenderedNodes } from '../testing/rendered-boxes.ts';
import { startContentScript } from './index.ts';

/** The call buttons' numbers, those in the overlay's open shadow roots included. */
const numbers = () =>
  [document, ...[...document.querySelectorAll('*')].flatMap((element) => (element.shadowRoot ? [element.shadowRoot] : []))]
    .flatMap((root) => [...root.querySelectorAll<HTMLButtonElement>('button[data-pc-call]')])
    .map((button) => button.dataset.pcCall);

let ctx: ContentScriptContext;

beforeEach(() => {
  fakeBrowser.reset();
  ctx = new ContentScriptContext('content');
  boxRenderedNodes();
});
afterEach(() => {
  ctx.notifyInvalidated();
  vi.restoreAllMocks();
});

describe('the content script', () => {
  it('reads the page again in the default country the agent picks, without a reload', async () => {
    await defaultCountry.setValue('US');
    // One text node: both numbers are read in the same pass.
    document.body.innerHTML = '<p>London 020 7946 0018, San Francisco +1 415 555 0190</p>';
    await startContentScript(ctx);
    await expect.poll(numbers, { timeout: 20_000 }).toEqual(['+14155550190']);

    // What the options page does when the agent saves another country.
    await defaultCountry.setValue('GB');
    await expect.poll(numbers, { timeout: 20_000 }).toEqual(['+442079460018', '+14155550190']);
  });
});
