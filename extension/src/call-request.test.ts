import browser from 'webextension-polyfill';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { requestCall } from './call-request.ts';

// The content script hands every call button's click to requestCall (content/index.ts), with
// the number and extension the button was made for; the background answers here.
let received: unknown[];

beforeEach(() => {
  fakeBrowser.reset();
  received = [];
  browser.runtime.onMessage.addListener((message: unknown) => {
    received.push(message);
    return Promise.resolve({ ok: true, key: 'call-1' });
  });
});
afterEach(() => fakeBrowser.reset());

describe('asking the background for a call', () => {
  it("sends the number and its extension, and returns the background's answer", async () => {
    expect(await requestCall('+14155550123', '204')).toEqual({ ok: true, key: 'call-1' });
    expect(received).toEqual([{ type: 'place-call', to: '+14155550123', extension: '204' }]);
  });

  it('sends no extension for a number without one', async () => {
    await requestCall('+14155550100');
    expect(received).toEqual([{ type: 'place-call', to: '+14155550100' }]);
  });
});
