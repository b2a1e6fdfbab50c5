import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import browser from 'webextension-polyfill';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { agentSettings, crmSettings, localeCountry, providerSettings, relaySettings } from './storage.ts';

describe('settings storage', () => {
  it('keeps every item in storage.local, never sync (tokens, provider and CRM secrets stay on this machine)', async () => {
    fakeBrowser.reset();
    await relaySettings.setValue({ url: 'https://relay.example', token: 'secret' });
    await providerSettings.setValue({ connectorId: 'twilio', config: { authtoken: 't' }, instanceId: 'default' });
    await agentSettings.setValue({ extension: '+14155550111', email: '', callerid: '', fields: {} });
    await crmSettings.setValue({ connectorId: 'vtiger', config: { url: 'https://crm.example.com', username: 'admin', accesskey: 'crm-secret' } });
    expect(await browser.storage.sync.get(null)).toEqual({});
    expect(await browser.storage.local.get('crm')).toEqual({ crm: { connectorId: 'vtiger', config: { url: 'https://crm.example.com', username: 'admin', accesskey: 'crm-secret' } } });
    expect(await browser.storage.local.get('relay')).toEqual({ relay: { url: 'https://relay.example', token: 'secret' } });
    const source = readFileSync(join(import.meta.dirname, 'storage.ts'), 'utf8');
    expect(source).not.toMatch(/['"]sync:/);
  });

  it('reads the default country from the browser locale', () => {
    expect(localeCountry('en-IN')).toBe('IN');
    expect(localeCountry('pt_BR')).toBe('BR');
    expect(localeCountry('fr')).toBe('US');
  });
});
