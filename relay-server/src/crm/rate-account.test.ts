import { describe, expect, it } from 'vitest';
import { crmEngine } from './engine.ts';
import { loadBundledCrmConnectors } from './connectors.ts';
import { rateAccountKey } from './rate-account.ts';

const hubspot = loadBundledCrmConnectors(crmEngine).get('hubspot')!;
const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
const team = (config: Record<string, string>, xml: string | null = null) => rateAccountKey({ connector: xml === null ? 'hubspot' : 'custom', xml, config }, hubspot);

describe('rateAccountKey', () => {
  it('is one account for instances with the same token and address, whatever they log for, and never holds the token', () => {
    const sales = team({ token: TOKEN, portal_id: '123', owner_id: '7' });
    expect(team({ token: TOKEN, portal_id: '123', owner_id: '8', call_id_property: 'relay_call_id' })).toBe(sales);
    expect(sales).toMatch(/^[0-9a-f]{64}$/);
    expect(sales).not.toContain(TOKEN);
  });

  it('parts another token, another API address, and the same connector set up as custom XML', () => {
    const sales = team({ token: TOKEN });
    expect(team({ token: `${TOKEN}9` })).not.toBe(sales);
    expect(team({ token: TOKEN, api_url: 'https://api.hubapi.example' })).not.toBe(sales);
    expect(team({ token: TOKEN }, '<connector for="CRM"/>')).not.toBe(sales);
    expect(team({ token: TOKEN }, '<connector for="CRM"/>')).toBe(team({ token: TOKEN }, '<connector for="CRM"/>'));
  });

  it('tells a connector without a password field apart by all its config', () => {
    const plain = { ...hubspot, fields: hubspot.fields.map((field) => ({ ...field, type: 'text' as const })) };
    const key = (config: Record<string, string>) => rateAccountKey({ connector: 'hubspot', xml: null, config }, plain);
    expect(key({ token: TOKEN, owner_id: '7' })).not.toBe(key({ token: TOKEN, owner_id: '8' }));
  });
});
