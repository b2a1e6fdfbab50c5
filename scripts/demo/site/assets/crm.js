// Acme CRM, the demo's stand-in for a real CRM: a contact list, a contact page and a search
// page, rendered from contacts.json. Phone numbers are plain text, as most CRMs show them;
// the extension finds them on its own.

const BANNER =
  'Demo: this CRM and the Twilio provider are simulated on your machine; the relay and the extension are the real ones.';

const NAV = ['Dashboard', 'Contacts', 'Companies', 'Deals', 'Activities', 'Reports'];
const AVATAR_COLOURS = ['#2563eb', '#7c3aed', '#db2777', '#ea580c', '#0d9488', '#4f46e5', '#0891b2', '#65a30d'];

/** A DOM element; children are nodes or text (never parsed as HTML). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') element.className = value;
    else element.setAttribute(name, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

function avatar(contact, size = '') {
  let hash = 0;
  for (const char of contact.id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const initials = contact.name
    .split(' ')
    .map((part) => part[0])
    .slice(0, 2)
    .join('');
  return h('span', { class: `avatar ${size}`, style: `background:${AVATAR_COLOURS[hash % AVATAR_COLOURS.length]}`, 'aria-hidden': 'true' }, initials);
}

function stagePill(stage) {
  return h('span', { class: `pill pill-${stage.toLowerCase()}` }, stage);
}

function contactUrl(contact) {
  return `/contact?id=${encodeURIComponent(contact.id)}`;
}

/** Banner, sidebar and top bar; returns the element the page's content goes into. */
function shell(active, query = '') {
  const main = h('main', { class: 'content' });
  const search = h('input', { type: 'search', name: 'q', placeholder: 'Search contacts, companies or phone numbers', 'aria-label': 'Search' });
  search.value = query;
  document.body.append(
    h('div', { class: 'demo-banner', role: 'note' }, h('span', { class: 'demo-icon', 'aria-hidden': 'true' }, 'i'), h('span', {}, BANNER)),
    h(
      'div',
      { class: 'app' },
      h(
        'aside',
        { class: 'sidebar' },
        h('a', { class: 'brand', href: '/' }, h('span', { class: 'brand-mark' }, 'A'), h('span', {}, 'Acme CRM')),
        h(
          'nav',
          {},
          NAV.map((item) => (item === 'Contacts' ? h('a', { href: '/', class: active === 'contacts' ? 'active' : '' }, item) : h('span', { class: 'nav-muted' }, item))),
        ),
        h('p', { class: 'sidebar-foot' }, 'Simulated CRM for the Phone Connector demo'),
      ),
      h(
        'div',
        { class: 'main' },
        h(
          'header',
          { class: 'topbar' },
          h('form', { action: '/search', method: 'get', class: 'search' }, search),
          h('div', { class: 'me' }, h('span', { class: 'me-name' }, 'Demo Agent'), h('span', { class: 'avatar small', style: 'background:#0f766e' }, 'DA')),
        ),
        main,
      ),
    ),
  );
  return main;
}

function contactsTable(contacts) {
  return h(
    'table',
    { class: 'contacts' },
    h('thead', {}, h('tr', {}, ['Name', 'Company', 'Phone', 'Location', 'Stage', 'Owner'].map((label) => h('th', {}, label)))),
    h(
      'tbody',
      {},
      contacts.map((contact) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { class: 'person', href: contactUrl(contact) }, avatar(contact), h('span', {}, h('strong', {}, contact.name), h('small', {}, contact.title)))),
          h('td', {}, contact.company),
          h('td', { class: 'phone' }, contact.phones[0].display),
          h('td', {}, contact.city, h('small', {}, contact.country)),
          h('td', {}, stagePill(contact.stage)),
          h('td', {}, contact.owner),
        ),
      ),
    ),
  );
}

function renderContacts(contacts) {
  const main = shell('contacts');
  document.title = 'Contacts · Acme CRM (demo)';
  main.append(
    h(
      'div',
      { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Contacts'), h('p', { class: 'muted' }, `${contacts.length} contacts in ${new Set(contacts.map((c) => c.country)).size} countries`)),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary' }, 'Import'), h('button', { type: 'button', class: 'primary' }, 'New contact')),
    ),
    h('div', { class: 'card flush' }, contactsTable(contacts)),
  );
}

function renderContact(contacts) {
  const id = new URLSearchParams(location.search).get('id');
  const contact = contacts.find((c) => c.id === id) ?? contacts[0];
  const main = shell('contacts');
  document.title = `${contact.name} · Acme CRM (demo)`;
  const first = contact.name.split(' ')[0];
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Contacts'), ' / ', contact.name),
    h(
      'section',
      { class: 'card profile' },
      avatar(contact, 'large'),
      h('div', {}, h('h1', {}, contact.name), h('p', { class: 'muted' }, `${contact.title} at ${contact.company}`), h('p', {}, stagePill(contact.stage))),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary' }, 'Send email'), h('button', { type: 'button', class: 'secondary' }, 'Log activity')),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Contact details'),
        h(
          'dl',
          { class: 'details' },
          contact.phones.map((phone) => [h('dt', {}, phone.label), h('dd', { class: 'phone' }, phone.display)]),
          h('dt', {}, 'Email'),
          h('dd', {}, h('a', { href: `mailto:${contact.email}` }, contact.email)),
          h('dt', {}, 'Company'),
          h('dd', {}, contact.company),
          h('dt', {}, 'Location'),
          h('dd', {}, `${contact.city}, ${contact.country}`),
          h('dt', {}, 'Owner'),
          h('dd', {}, contact.owner),
        ),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Activity'),
        h(
          'ol',
          { class: 'timeline' },
          h('li', {}, h('strong', {}, `${contact.lastActivity.split(' · ')[0]} with ${first}`), h('span', { class: 'muted' }, contact.lastActivity.split(' · ')[1]), h('p', {}, 'Discussed next quarter’s volumes; follow up with a proposal.')),
          h('li', {}, h('strong', {}, 'Proposal sent'), h('span', { class: 'muted' }, 'last month'), h('p', {}, `Annual plan for ${contact.company}.`)),
          h('li', {}, h('strong', {}, 'Contact created'), h('span', { class: 'muted' }, 'in spring'), h('p', {}, `Added by ${contact.owner === 'You' ? 'you' : contact.owner}.`)),
        ),
      ),
    ),
    h(
      'section',
      { class: 'card deals' },
      h('h2', {}, 'Open deals'),
      h(
        'table',
        { class: 'contacts' },
        h('thead', {}, h('tr', {}, ['Deal', 'Stage', 'Value', 'Expected close'].map((label) => h('th', {}, label)))),
        h(
          'tbody',
          {},
          h('tr', {}, h('td', {}, h('strong', {}, `${contact.company}: annual plan`)), h('td', {}, h('span', { class: 'pill pill-prospect' }, 'Proposal')), h('td', {}, '$24,000'), h('td', { class: 'muted' }, 'Next month')),
          h('tr', {}, h('td', {}, h('strong', {}, 'Onboarding workshop')), h('td', {}, h('span', { class: 'pill pill-lead' }, 'Qualified')), h('td', {}, '$3,500'), h('td', { class: 'muted' }, 'This quarter')),
        ),
      ),
    ),
  );
}

function digits(text) {
  return text.replace(/\D/g, '');
}

/** "Open in CRM" lands here with the caller's number in E.164; names and companies match too. */
function renderSearch(contacts) {
  const query = new URLSearchParams(location.search).get('q')?.trim() ?? '';
  const main = shell('search', query);
  document.title = `Search · Acme CRM (demo)`;
  const wanted = digits(query);
  const text = query.toLowerCase();
  const matches = query
    ? contacts.filter(
        (c) =>
          (wanted.length >= 6 && c.phones.some((p) => digits(p.e164).includes(wanted))) ||
          (!/\d/.test(query) && [c.name, c.company, c.city].some((field) => field.toLowerCase().includes(text))),
      )
    : [];
  main.append(
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Search results'), h('p', { class: 'muted' }, query ? `${matches.length} ${matches.length === 1 ? 'contact matches' : 'contacts match'} “${query}”` : 'Type a name, a company or a phone number.'))),
    matches.length ? h('div', { class: 'card flush' }, contactsTable(matches)) : h('div', { class: 'card empty' }, query ? 'No contact has this name or number.' : ''),
  );
}

const contacts = await (await fetch('/assets/contacts.json')).json();
const page = document.body.dataset.page;
if (page === 'contact') renderContact(contacts);
else if (page === 'search') renderSearch(contacts);
else renderContacts(contacts);
