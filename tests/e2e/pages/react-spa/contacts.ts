/** The SPA's contacts, deterministic so every page's button count is known in advance. */

export interface Contact {
  id: number;
  name: string;
  company: string;
  /** Two spellings of one international number; the app alternates them to force re-renders. */
  phone?: { shown: string; reformatted: string };
  orderId: string;
}

export const PAGE_SIZE = 25;
const COUNT = 60;
const NAMES = ['Ana Silva', 'Bruno Okafor', 'Chloe Muller', 'Dmitri Tanaka', 'Emeka Novak', 'Fatima Haddad', 'Gustav Larsen', 'Hana Kim'];
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'];

/** Contact i has a phone unless i % 8 === 7. */
export const CONTACTS: Contact[] = Array.from({ length: COUNT }, (_, i) => {
  const line = String(100 + i).padStart(4, '0');
  return {
    id: 7000 + i,
    name: `${NAMES[i % NAMES.length]} ${i}`,
    company: COMPANIES[i % COMPANIES.length] ?? '',
    ...(i % 8 === 7 ? {} : { phone: { shown: `+1 415-555-${line}`, reformatted: `+1 (415) 555-${line}` } }),
    orderId: `ORD-2024-${String(500000 + i * 17).padStart(6, '0')}`,
  };
});

export const PAGE_COUNT = Math.ceil(CONTACTS.length / PAGE_SIZE);

export function contactsOnPage(page: number): Contact[] {
  return CONTACTS.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
}

/** One call button per contact with a phone: 22, 22 and 9 for pages 1, 2 and 3. */
export function expectedButtons(page: number): number {
  return contactsOnPage(page).filter((contact) => contact.phone).length;
}
