import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { providerSettings, relaySettings } from '../storage.ts';
import { RelayStub } from './relay-stub.ts';

/**
 * An options section under test (happy-dom), against RelayStub over HTTP with WXT's fake
 * storage: for each test, fresh storage holding the relay's settings and a Twilio provider,
 * no routes and no requests at the relay, and a root of its own, unmounted after it; and what
 * the agent does in the section's form: type into a field (or pick in a select), and submit.
 * Call at a test file's top level, before its own `beforeEach` (which sets the relay's routes).
 */
export function sectionUnderTest() {
  let relay: RelayStub | undefined;
  let root: HTMLElement | undefined;
  beforeAll(async () => {
    relay = await RelayStub.start();
  });
  afterAll(async () => relay?.close());
  beforeEach(async () => {
    fakeBrowser.reset();
    relay!.requests.length = 0;
    relay!.routes = {};
    await relaySettings.setValue({ url: relay!.url, token: 'agent-token' });
    await providerSettings.setValue({ connectorId: 'twilio', config: { authid: 'AC1', authtoken: 'provider-secret' }, instanceId: 'default' });
    root = document.createElement('div');
    document.body.append(root);
  });
  afterEach(() => {
    render(null, root!);
    root!.remove();
  });
  const $ = <T extends Element = HTMLElement>(selector: string): T | null => root!.querySelector<T>(selector);
  return {
    relay: () => relay!,
    root: () => root!,
    $,
    fill(selector: string, value: string): void {
      act(() => {
        const input = $<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(selector)!;
        input.value = value;
        input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
      });
    },
    submit(selector = 'form'): void {
      act(() => {
        $<HTMLFormElement>(selector)!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      });
    },
  };
}
