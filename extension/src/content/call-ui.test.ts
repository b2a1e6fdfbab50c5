// @vitest-environment happy-dom
import browser from 'webextension-polyfill';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { ContentScriptContext } from 'wxt/utils/content-script-context';
import { callView } from '../testing/call-view.ts';
import { startCallUi } from './call-ui.ts';

// The injected call UI as the background reaches it: its messages through WXT's fake browser.
let ctx: ContentScriptContext;

beforeEach(() => {
  fakeBrowser.reset();
  document.body.innerHTML = '';
  ctx = new ContentScriptContext('call-ui');
});
afterEach(() => ctx.notifyInvalidated());

const shownNumber = (selector: string, field: string) => document.querySelector(selector)?.shadowRoot?.querySelector(field)?.textContent;

describe('the call UI', () => {
  it('shows the incoming call and the progress card the background sends, and closes them when the script is replaced', async () => {
    startCallUi(ctx);
    await browser.runtime.sendMessage({ type: 'incoming-call', call: callView({ call_id: 'CA7', status: 'ringing' }), shownFrom: '(415) 555-0199' });
    await browser.runtime.sendMessage({ type: 'call-progress', key: 'call-1', to: '+14155550123', shownTo: '(415) 555-0123', state: 'calling' });
    expect(shownNumber('[data-pc-popup="CA7"]', '[data-pc-field="number"]')).toBe('(415) 555-0199');
    expect(shownNumber('[data-pc-progress="call-1"]', '.pc-number')).toBe('(415) 555-0123');

    ctx.notifyInvalidated();
    expect(document.querySelectorAll('[data-pc-popup],[data-pc-progress]')).toHaveLength(0);
  });
});
