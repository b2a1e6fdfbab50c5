import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { type Contact, contactsOnPage, expectedButtons, PAGE_COUNT } from './contacts.ts';

/**
 * A CRM-like single-page app that is hard on content scripts:
 * - every 500 ms a tick re-renders each row: the clock cell's text changes, and the phone
 *   cell alternates between two spellings of its number, so React rewrites that cell
 *   (`textContent`, dropping any node an extension added next to the text);
 * - every 4th tick the rows get new keys, so React throws them away and creates new ones;
 * - "Next"/"Previous" change the page client-side with history.pushState (`?page=N`).
 * The expected button count of the page shown is kept in <meta name="pc-expected-buttons">,
 * the ticks so far in the status line's data-tick.
 */

const TICK_MS = 500;
const TICKS_PER_GENERATION = 4;

declare global {
  interface Window {
    pcRowClicks: number;
  }
}

function pageFromUrl(): number {
  const page = Number(new URLSearchParams(location.search).get('page') ?? '1');
  return Number.isInteger(page) && page >= 1 && page <= PAGE_COUNT ? page : 1;
}

/** "00:00:07": a time that changes every tick, and a look-alike that must get no button. */
function clock(tick: number): string {
  const seconds = Math.floor((tick * TICK_MS) / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

function ContactRow({ contact, tick }: { contact: Contact; tick: number }) {
  const phone = contact.phone ? (tick % 2 === 0 ? contact.phone.shown : contact.phone.reformatted) : '';
  return (
    <tr className="contact-row" data-id={contact.id} onClick={() => window.pcRowClicks++}>
      <td>{contact.name}</td>
      <td className="phone">{phone}</td>
      <td>{contact.company}</td>
      <td className="order">{contact.orderId}</td>
      <td className="clock">{clock(tick)}</td>
    </tr>
  );
}

function App() {
  const [page, setPage] = useState(pageFromUrl);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const timer = setInterval(() => setTick((current) => current + 1), TICK_MS);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    const onPopState = () => setPage(pageFromUrl());
    addEventListener('popstate', onPopState);
    return () => removeEventListener('popstate', onPopState);
  }, []);

  useEffect(() => {
    document.querySelector('meta[name="pc-expected-buttons"]')?.setAttribute('content', String(expectedButtons(page)));
    document.title = `Contacts - page ${page} of ${PAGE_COUNT}`;
  }, [page]);

  const go = (next: number) => {
    history.pushState(null, '', `?page=${next}`);
    setPage(next);
  };
  const generation = Math.floor(tick / TICKS_PER_GENERATION);

  return (
    <main>
      <h1>Contacts</h1>
      <p className="status" data-page={page} data-tick={tick}>
        Page {page} of {PAGE_COUNT}
      </p>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Phone</th>
            <th>Company</th>
            <th>Last order</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {contactsOnPage(page).map((contact) => (
            <ContactRow key={`${contact.id}-${generation}`} contact={contact} tick={tick} />
          ))}
        </tbody>
      </table>
      <nav>
        <button type="button" disabled={page === 1} onClick={() => go(page - 1)}>
          Previous
        </button>
        <button type="button" className="next" disabled={page === PAGE_COUNT} onClick={() => go(page + 1)}>
          Next
        </button>
      </nav>
    </main>
  );
}

window.pcRowClicks = 0;
const container = document.getElementById('root');
if (!container) throw new Error('react-spa: #root is missing from index.html');
createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
