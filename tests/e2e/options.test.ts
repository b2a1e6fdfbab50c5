import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExtensionBrowser, launchWithExtension } from './harness/extension.ts';
import { screenshotPath } from './harness/screenshots.ts';
import { twilioConnectorFor } from './harness/world.ts';


let browser: ExtensionBrowser;
let page: Page;
beforeAll(async () => {
  browser = await launchWithExtension();
  page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/options.html`);
  await page.getByRole('heading', { name: 'Provider' }).waitFor();
});
afterAll(async () => browser?.close());

describe('options page', () => {
  it('generates the config form from the connector and enforces mandatory fields', async () => {
    await page.getByLabel('Connector', { exact: true }).selectOption('twilio');
    await expect.poll(() => page.getByTestId('connector-ok').textContent()).toBe('Twilio: valid connector.');
    for (const label of ['Account SID', 'Auth token', 'Twilio number (caller ID)']) await expect(page.getByLabel(label, { exact: true }).count()).resolves.toBe(1);
    expect(await page.getByLabel('Auth token', { exact: true }).getAttribute('type')).toBe('password');
    expect(await page.getByLabel('Answer callback URL', { exact: true }).getAttribute('readonly')).not.toBeNull();

    await page.getByLabel('Account SID', { exact: true }).fill('AC123');
    await page.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => page.getByTestId('provider-message').textContent()).toBe('Fill in: Auth token, Twilio number (caller ID).');
    expect(await page.getByLabel('Auth token', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    const stored = (await browser.getStorage(['provider'])).provider as { config?: Record<string, string> } | undefined;
    expect(stored?.config?.authid).toBeUndefined();

    await page.getByLabel('Auth token', { exact: true }).fill('secret-token');
    await page.getByLabel('Twilio number (caller ID)', { exact: true }).fill('+15005550006');
    // A checkbox field is a tick box, saved as true; the greeting, optional, stays unset when blank.
    const record = page.getByLabel("Record calls (each call's wrap-up and CRM log link its recording)", { exact: true });
    expect(await record.getAttribute('type')).toBe('checkbox');
    await record.check();
    // Saving asks for access to the provider's API host; headless Chromium cannot answer that
    // prompt for api.twilio.com, so the same connector is saved pointed at a granted test host.
    await page.getByLabel('Connector', { exact: true }).selectOption('__custom__');
    await page.getByLabel('Connector XML').fill(twilioConnectorFor('http://127.0.0.1:9'));
    await page.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => page.getByTestId('provider-message').textContent()).toBe('Saved. Set up the relay below to get your callback URLs.');
    const saved = (await browser.getStorage(['provider'])).provider as { customXml: string; config: Record<string, string> };
    expect(saved.config).toEqual({ authid: 'AC123', authtoken: 'secret-token', callerid: '+15005550006', record_calls: 'true' });
    expect(await page.getByLabel("Record calls (each call's wrap-up and CRM log link its recording)", { exact: true }).isChecked()).toBe(true);
    expect(saved.customXml).toContain('http://127.0.0.1:9/2010-04-01/Accounts/');
    await page.screenshot({ path: screenshotPath('options.png'), fullPage: true });
  });

  it("names the keys Chromium gave the shortcut, and its button opens Chromium's page to change them", async () => {
    const hint = page.locator('[data-pc-field="shortcut"]');
    await expect.poll(() => hint.textContent()).toBe('On any page, select a number and press Alt+Shift+D to call it. Change the keys');
    const opened = browser.context.waitForEvent('page');
    await hint.getByRole('button', { name: 'Change the keys' }).click();
    const shortcuts = await opened;
    await expect.poll(() => shortcuts.url()).toBe('chrome://extensions/shortcuts');
    await shortcuts.close();
  });

  it('validates custom XML live and shows line:col for each problem', async () => {
    await page.getByLabel('Connector', { exact: true }).selectOption('__custom__');
    await page.getByLabel('Connector XML').fill(
      ['<connector for="PhoneCalls">', '  <config><fields><field name="token" type="pasword"/></fields></config>', '  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>', '</connector>'].join('\n'),
    );
    const diagnostics = page.getByTestId('connector-diagnostics');
    await expect.poll(() => diagnostics.textContent()).toContain('2:39 error: type must be one of: text, password, url, checkbox (got "pasword")');
    await page.getByLabel('Connector XML').fill('<connector for="PhoneCalls">\n  <incoming_call>\n    <response><call_id use="CallSid"><call_id>\n  </incoming_call>\n</connector>');
    await expect.poll(() => diagnostics.textContent()).toContain('3:38 error: <call_id> looks like a closing tag without its slash');
    await page.screenshot({ path: screenshotPath('options-custom-xml.png') });
  });
});

describe('dry run', () => {
  it('explains what is missing, then shows the exact request with secrets redacted', async () => {
    await page.getByLabel('Your phone number or extension').fill('(415) 555-0111');
    await page.getByRole('button', { name: 'Save agent' }).click();
    await expect.poll(() => page.getByTestId('agent-message').textContent()).toBe('Saved.');
    expect(((await browser.getStorage(['agent'])).agent as { extension: string }).extension).toBe('+14155550111');

    await page.getByLabel('Number to call').fill('+44 20 7946 0018');
    await page.getByRole('button', { name: 'Show the request' }).click();
    await expect.poll(() => page.getByTestId('dryrun-message').textContent()).toBe('@answer_callback is empty: connect a relay in Options > Relay: it provides the callback URLs');

    await browser.setStorage({ callbacks: { answer: 'https://relay.example/hooks/in_1/s/answer', status: 'https://relay.example/hooks/in_1/s/status', incoming: 'https://relay.example/hooks/in_1/s/incoming' } });
    await page.getByRole('button', { name: 'Show the request' }).click();
    const shown = JSON.parse((await page.getByTestId('dry-run').textContent())!);
    expect(shown).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:9/2010-04-01/Accounts/AC123/Calls.json', headers: { Authorization: 'Basic <redacted>' } });
    const body = new URLSearchParams(shown.body);
    expect(body.get('To')).toBe('+14155550111');
    expect(body.get('Url')).toBe('https://relay.example/hooks/in_1/s/answer?DialTo=%2B442079460018');
    expect(JSON.stringify(shown)).not.toContain('secret-token');
    // And what the card's Cancel and Hang up would send, around a stand-in for the call's id.
    expect(JSON.parse((await page.getByTestId('dry-run-hangup').textContent())!)).toEqual({
      method: 'POST',
      url: 'http://127.0.0.1:9/2010-04-01/Accounts/AC123/Calls/%3Ccall%20id%3E.json',
      headers: { Authorization: 'Basic <redacted>', Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Status=completed',
    });
  });
});

describe('replay', () => {
  it('runs a pasted webhook through the connector and shows the record and the reply', async () => {
    await page.getByLabel('Event').selectOption('answer');
    await page.getByLabel('URL the provider called (its query is part of the payload)').fill('https://relay.example/hooks/in_1/s/answer?DialTo=%2B442079460018');
    await page.getByLabel('Body').fill('CallSid=CA42&From=%2B15005550006&To=%2B14155550111&CallStatus=in-progress');
    await page.getByRole('button', { name: 'Replay' }).click();
    const shown = JSON.parse((await page.getByTestId('replay-result').textContent())!);
    expect(shown.record).toMatchObject({ call_id: 'CA42', to_number: '+442079460018', call_status: 'in-progress' });
    expect(shown.reply.body).toContain('<Number>+442079460018</Number>');

    await page.getByLabel('Content type').selectOption('application/json');
    await page.getByLabel('Body').fill('{"CallSid":');
    await page.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => page.getByTestId('replay-error').textContent()).toContain('the body is not valid JSON');
  });
});
