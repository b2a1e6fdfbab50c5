import type { EnabledSite } from './storage.ts';

/**
 * CRM presets: where the content script may run and how "Open in CRM" searches for a number.
 * `{query}` in a search URL is replaced by the URL-encoded number.
 */
export interface CrmPreset {
  id: 'vtiger' | 'salesforce' | 'hubspot' | 'zoho' | 'pipedrive' | 'freshsales' | 'dynamics' | 'bitrix24' | 'odoo';
  name: string;
  /** Match patterns for the CRM's hosts (requested as optional host permissions). */
  matches: string[];
  /** Search page for a phone number, relative to the tab's origin. */
  searchPath: string;
}

/** The cloud domains Bitrix24 portals are seen under (acme.bitrix24.com, acme.bitrix24.de, …). */
const BITRIX24_DOMAINS = ['com', 'eu', 'de', 'es', 'fr', 'it', 'pl', 'uk', 'com.br', 'in', 'ru', 'by', 'kz'];

export const CRM_PRESETS: readonly CrmPreset[] = [
  { id: 'vtiger', name: 'Vtiger CRM', matches: ['https://*.od2.vtiger.com/*', 'https://*.vtiger.com/*'], searchPath: '/index.php?module=Home&view=List&search_key=phone&query_string={query}' },
  { id: 'salesforce', name: 'Salesforce Lightning', matches: ['https://*.lightning.force.com/*', 'https://*.my.salesforce.com/*'], searchPath: '/one/one.app#/sObject/Contact/home?search={query}' },
  { id: 'hubspot', name: 'HubSpot', matches: ['https://app.hubspot.com/*', 'https://app-eu1.hubspot.com/*'], searchPath: '/contacts/search?query={query}' },
  { id: 'zoho', name: 'Zoho CRM', matches: ['https://crm.zoho.com/*', 'https://crm.zoho.eu/*', 'https://crm.zoho.in/*', 'https://crm.zoho.com.au/*'], searchPath: '/crm/search?searchword={query}' },
  { id: 'pipedrive', name: 'Pipedrive', matches: ['https://*.pipedrive.com/*'], searchPath: '/search?q={query}' },
  { id: 'freshsales', name: 'Freshsales', matches: ['https://*.myfreshworks.com/*'], searchPath: '/crm/sales/search?q={query}' },
  // Dataverse search's results page in the environment's default app (docs/crms/dynamics.md: assumed, not documented).
  { id: 'dynamics', name: 'Microsoft Dynamics 365', matches: ['https://*.dynamics.com/*'], searchPath: '/main.aspx?pagetype=search&searchText={query}' },
  // A cloud portal lives under its region's domain; the portal's search page (docs/crms/bitrix24.md: both assumed, not documented).
  { id: 'bitrix24', name: 'Bitrix24', matches: BITRIX24_DOMAINS.map((domain) => `https://*.bitrix24.${domain}/*`), searchPath: '/search/index.php?q={query}' },
  // Databases on odoo.com; a self-hosted Odoo is a site the agent adds. Odoo's web client takes no search from its
  // address: the Contacts app's list (its path since 17.2), where the agent searches (docs/crms/odoo.md).
  { id: 'odoo', name: 'Odoo', matches: ['https://*.odoo.com/*'], searchPath: '/odoo/contacts' },
];

/** The match pattern that covers one origin (`https://crm.example.com` -> `https://crm.example.com/*`). */
export function originPattern(origin: string): string {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
}

/** Whether a URL is covered by a match pattern (scheme, host with `*.` wildcard, any path). */
export function matchesPattern(pattern: string, href: string): boolean {
  const match = /^(\*|https?):\/\/([^/]+)\/(.*)$/.exec(pattern);
  if (!match) return false;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  const [, scheme, host] = match;
  if (scheme !== '*' && `${scheme}:` !== url.protocol) return false;
  if (scheme === '*' && url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (host === '*') return true;
  if (host!.startsWith('*.')) return url.hostname === host!.slice(2) || url.hostname.endsWith(host!.slice(1));
  return url.hostname === host;
}

/** "Open in CRM": the site's search page for the caller's number. */
export function searchUrlFor(tabUrl: string | undefined, sites: EnabledSite[], number: string | null): string | undefined {
  if (!tabUrl || !number) return undefined;
  const site = sites.find((s) => matchesPattern(s.pattern, tabUrl));
  const template = site?.searchUrl ?? CRM_PRESETS.find((p) => p.id === site?.preset)?.searchPath;
  if (!template) return undefined;
  return new URL(template.replace('{query}', encodeURIComponent(number)), tabUrl).toString();
}
