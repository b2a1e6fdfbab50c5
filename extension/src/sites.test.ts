import { describe, expect, it } from 'vitest';
import { CRM_PRESETS, matchesPattern, originPattern, searchUrlFor } from './sites.ts';

describe('match patterns', () => {
  it.each([
    ['https://*.od2.vtiger.com/*', 'https://acme.od2.vtiger.com/index.php?module=Contacts', true],
    ['https://*.od2.vtiger.com/*', 'https://od2.vtiger.com/', true],
    ['https://*.od2.vtiger.com/*', 'https://evil-od2.vtiger.com.example/', false],
    ['https://*.od2.vtiger.com/*', 'http://acme.od2.vtiger.com/', false],
    ['https://app.hubspot.com/*', 'https://app.hubspot.com/contacts/1', true],
    ['https://app.hubspot.com/*', 'https://app.hubspot.com.evil.io/', false],
    ['*://crm.example.com/*', 'http://crm.example.com/x', true],
    ['*://crm.example.com/*', 'ftp://crm.example.com/x', false],
    ['http://127.0.0.1/*', 'http://127.0.0.1:4321/page.html', true],
    ['not a pattern', 'https://a/', false],
  ])('%s covers %s: %s', (pattern, url, expected) => {
    expect(matchesPattern(pattern, url)).toBe(expected);
  });

  it('derives the pattern of an origin, any port', () => {
    expect(originPattern('https://crm.example.com:8443/path?q=1')).toBe('https://crm.example.com/*');
  });

  it('has a preset for each of the nine CRMs', () => {
    expect(CRM_PRESETS.map((p) => p.id)).toEqual(['vtiger', 'salesforce', 'hubspot', 'zoho', 'pipedrive', 'freshsales', 'dynamics', 'bitrix24', 'odoo']);
  });

  it('covers Bitrix24 portals under each regional domain, and no look-alike host', () => {
    const { matches } = CRM_PRESETS.find((p) => p.id === 'bitrix24')!;
    const covered = (url: string) => matches.some((pattern) => matchesPattern(pattern, url));
    for (const url of ['https://acme.bitrix24.com/crm/contact/details/105/', 'https://acme.bitrix24.de/crm/', 'https://acme.bitrix24.eu/', 'https://acme.bitrix24.com.br/crm/']) expect(covered(url), url).toBe(true);
    expect(covered('https://acme.bitrix24.com.evil.io/crm/')).toBe(false);
    expect(covered('https://bitrix24.example.com/crm/')).toBe(false);
  });

  it('covers every database on odoo.com, and no look-alike host', () => {
    const [pattern] = CRM_PRESETS.find((p) => p.id === 'odoo')!.matches;
    expect(matchesPattern(pattern!, 'https://acme.odoo.com/odoo/contacts/14')).toBe(true);
    expect(matchesPattern(pattern!, 'https://acme.odoo.com/web#id=14&model=res.partner&view_type=form')).toBe(true);
    expect(matchesPattern(pattern!, 'https://acme.odoo.com.evil.example/odoo')).toBe(false);
    expect(matchesPattern(pattern!, 'https://notodoo.com/')).toBe(false);
  });

  it("covers every Freshsales account's bundle alias, and no look-alike host", () => {
    const [freshsales] = CRM_PRESETS.find((p) => p.id === 'freshsales')!.matches;
    expect(matchesPattern(freshsales!, 'https://acme.myfreshworks.com/crm/sales/contacts/31002001')).toBe(true);
    expect(matchesPattern(freshsales!, 'https://acme.myfreshworks.com.evil.io/crm/sales/')).toBe(false);
  });

  it("covers every Dynamics 365 environment's host, in any region, and nothing that merely ends like one", () => {
    const [pattern] = CRM_PRESETS.find((p) => p.id === 'dynamics')!.matches;
    expect(matchesPattern(pattern!, 'https://contoso.crm.dynamics.com/main.aspx?pagetype=entitylist&etn=contact')).toBe(true);
    expect(matchesPattern(pattern!, 'https://contoso.crm4.dynamics.com/main.aspx')).toBe(true);
    expect(matchesPattern(pattern!, 'https://contoso.crm.dynamics.com.evil.example/main.aspx')).toBe(false);
    expect(matchesPattern(pattern!, 'https://notdynamics.com/')).toBe(false);
  });
});

describe('Open in CRM', () => {
  it('builds the preset search URL on the tab origin', () => {
    const sites = [{ pattern: 'https://*.od2.vtiger.com/*', preset: 'vtiger' }];
    expect(searchUrlFor('https://acme.od2.vtiger.com/index.php?module=Contacts', sites, '+14155550100')).toBe(
      'https://acme.od2.vtiger.com/index.php?module=Home&view=List&search_key=phone&query_string=%2B14155550100',
    );
  });

  it("opens Freshsales' search for the number on the account's own host", () => {
    const sites = [{ pattern: 'https://*.myfreshworks.com/*', preset: 'freshsales' }];
    expect(searchUrlFor('https://acme.myfreshworks.com/crm/sales/contacts/31002001', sites, '+14155550100')).toBe('https://acme.myfreshworks.com/crm/sales/search?q=%2B14155550100');
  });

  it("builds Dynamics' search page for the number in the environment the agent is in", () => {
    const sites = [{ pattern: 'https://*.dynamics.com/*', preset: 'dynamics' }];
    expect(searchUrlFor('https://contoso.crm4.dynamics.com/main.aspx?appid=1&pagetype=entityrecord&etn=contact', sites, '+14155550100')).toBe(
      'https://contoso.crm4.dynamics.com/main.aspx?pagetype=search&searchText=%2B14155550100',
    );
  });

  it("opens Odoo's Contacts on the database the agent is in", () => {
    const sites = [{ pattern: 'https://*.odoo.com/*', preset: 'odoo' }];
    expect(searchUrlFor('https://acme.odoo.com/odoo/contacts/14', sites, '+14155550100')).toBe('https://acme.odoo.com/odoo/contacts');
  });

  it('uses a custom search URL, and nothing for sites without one', () => {
    expect(searchUrlFor('http://127.0.0.1:9/crm', [{ pattern: 'http://127.0.0.1/*', searchUrl: '/search?q={query}' }], '+1 415')).toBe('http://127.0.0.1:9/search?q=%2B1%20415');
    expect(searchUrlFor('http://127.0.0.1:9/crm', [{ pattern: 'http://127.0.0.1/*' }], '+1415')).toBeUndefined();
    expect(searchUrlFor(undefined, [], '+1415')).toBeUndefined();
  });
});
