import type { CallView } from '@phone-connector/shared';
import { useContext, useState } from 'preact/hooks';
import type { CallActions } from '../call-actions.ts';
import { LinkTarget } from './link-target.ts';
import { safeLink } from './safe-link.ts';

export interface CallContactProps {
  call: CallView;
  /** The CRM page's search for the number (the site's preset), when the tab has one. */
  searchUrl?: string;
  actions: CallActions;
}

/**
 * Who is on the line, as the relay's CRM lookup found them: the name and company with a link to
 * the record; a picker when several records share the number (the choice goes to the relay,
 * which links the CRM log to it); "Create contact" when none does. Until the lookup answers
 * (an `updated` event brings it) only the links the page already had show.
 */
export function CallContact({ call, searchUrl, actions }: CallContactProps) {
  const [picking, setPicking] = useState<'idle' | 'saving' | string>('idle');
  const target = useContext(LinkTarget);
  const { contact, contacts } = call;
  const recordUrl = safeLink(contact?.url);
  const newContactUrl = !contact && contacts.length === 0 ? safeLink(call.new_contact_url) : undefined;

  const pick = async (contactId: string) => {
    setPicking('saving');
    const result = await actions.update({ contact_id: contactId });
    setPicking(result.ok ? 'idle' : result.error);
  };

  return (
    <>
      {contact ? (
        <p class="pc-contact">
          <span class="pc-contact-name" data-pc-contact>
            {contact.name}
          </span>
          {contact.company ? (
            <span class="pc-company" data-pc-field="company">
              {contact.company}
            </span>
          ) : null}
        </p>
      ) : null}
      {contacts.length > 1 ? (
        <label class="pc-picker">
          <span>{contacts.length} contacts have this number:</span>
          <select data-pc-field="contact-picker" value={contact?.id ?? ''} disabled={picking === 'saving'} onChange={(e) => void pick((e.target as HTMLSelectElement).value)}>
            {contact ? null : <option value="">Which one is calling?</option>}
            {contacts.map((c) => (
              <option value={c.id} key={c.id}>
                {c.company ? `${c.name} (${c.company})` : c.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {picking !== 'idle' && picking !== 'saving' ? <p class="pc-detail" data-pc-field="contact-error">{picking}</p> : null}
      {recordUrl || newContactUrl || searchUrl ? (
        <div class="pc-links">
          {recordUrl ? (
            <a class="pc-link" href={recordUrl} target={target} rel="noopener" data-pc-action="open-record">
              Open record
            </a>
          ) : null}
          {newContactUrl ? (
            <a class="pc-link" href={newContactUrl} target={target} rel="noopener" data-pc-action="create-contact">
              Create contact
            </a>
          ) : null}
          {searchUrl ? (
            <a class="pc-link" href={searchUrl} target={target} rel="noopener" data-pc-action="search-crm">
              Open in CRM
            </a>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
