import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedContact } from '../../tests/simulators/crm/crm-simulator.ts';

/** The demo CRM's site folder, served as it is. */
export const SITE_DIR = join(import.meta.dirname, 'site');

export interface ContactPhone {
  label: 'Office' | 'Mobile';
  /** As the CRM shows it. */
  display: string;
  e164: string;
}

export interface Contact {
  id: string;
  name: string;
  company: string;
  city: string;
  country: string;
  phones: ContactPhone[];
}

/** The contacts the demo CRM shows: the same file its pages render. */
export function loadContacts(): Contact[] {
  return JSON.parse(readFileSync(join(SITE_DIR, 'assets', 'contacts.json'), 'utf8')) as Contact[];
}

export function contactPath(contact: Contact): string {
  return `/contact?id=${encodeURIComponent(contact.id)}`;
}

/** The contact a number belongs to, for narration. */
export function contactByNumber(contacts: Contact[], e164: string | null | undefined): Contact | undefined {
  return contacts.find((c) => c.phones.some((p) => p.e164 === e164));
}

/**
 * The same people as a CRM simulator's seed: the CRM the relay asks (the Vtiger simulator)
 * holds what the demo CRM's pages show, numbers as those pages print them.
 */
export function crmSeed(contacts: Contact[]): SeedContact[] {
  return contacts.map((person) => {
    const [firstName = '', ...rest] = person.name.split(' ');
    return { firstName, lastName: rest.join(' '), company: person.company, phones: person.phones.map((p) => p.display) };
  });
}
