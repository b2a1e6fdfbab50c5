// @vitest-environment happy-dom
import type { CallView } from '@phone-connector/shared';
import { render } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import { CallProgressCard } from './CallProgressCard.tsx';
import { IncomingPopup } from './IncomingPopup.tsx';

const call: CallView = {
  id: 1,
  instance_id: 'twilio',
  call_id: 'CA1',
  direction: 'inbound',
  status: 'no-answer',
  status_raw: 'no-answer',
  from_number: '+14155550199',
  to_number: '+14155550111',
  user_number: null,
  duration: 0,
  started_at: null,
  ended_at: null,
  recording_url: null,
  notes: null,
  disposition: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  extra: {},
  contact: null,
  contacts: [],
  crm_log: null,
  new_contact_url: null,
};

function statusElement(node: preact.ComponentChild): Element | null {
  const root = document.createElement('div');
  document.body.append(root);
  render(node, root);
  return root.querySelector('[data-pc-field="status"]');
}

function shownStatus(node: preact.ComponentChild): string | null | undefined {
  return statusElement(node)?.textContent;
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('status labels', () => {
  it('says the same for a call nobody answered in the incoming popup and the progress card', () => {
    const popup = shownStatus(<IncomingPopup call={call} nationalNumber="(415) 555-0199" onSaveNotes={async () => ({ ok: true })} onDismiss={() => {}} />);
    const card = shownStatus(<CallProgressCard to="(415) 555-0111" state="no-answer" onDismiss={() => {}} />);
    expect(popup).toBe('No answer');
    expect(card).toBe(popup);
  });

  it('tells an incoming queued call from an outgoing one, which first rings the agent', () => {
    expect(shownStatus(<IncomingPopup call={{ ...call, status: 'queued' }} nationalNumber="(415) 555-0199" onSaveNotes={async () => ({ ok: true })} onDismiss={() => {}} />)).toBe('Incoming');
    expect(shownStatus(<CallProgressCard to="(415) 555-0111" state="queued" onDismiss={() => {}} />)).toBe('Calling your phone…');
  });

  it('shows a status word the relay could not place as the provider sent it', () => {
    expect(shownStatus(<IncomingPopup call={{ ...call, status: null, status_raw: 'voicemail' }} nationalNumber="(415) 555-0199" onSaveNotes={async () => ({ ok: true })} onDismiss={() => {}} />)).toBe('voicemail');
  });

  it('colours a status by its tone, the same in the popup and the card', () => {
    const tone = (node: preact.ComponentChild) => statusElement(node)?.getAttribute('data-tone');
    expect(tone(<IncomingPopup call={call} nationalNumber="(415) 555-0199" onSaveNotes={async () => ({ ok: true })} onDismiss={() => {}} />)).toBe('unsuccessful');
    expect(tone(<CallProgressCard to="(415) 555-0111" state="no-answer" onDismiss={() => {}} />)).toBe('unsuccessful');
    expect(tone(<IncomingPopup call={{ ...call, status: 'in-progress' }} nationalNumber="(415) 555-0199" onSaveNotes={async () => ({ ok: true })} onDismiss={() => {}} />)).toBe('live');
    expect(tone(<CallProgressCard to="(415) 555-0111" state="calling" onDismiss={() => {}} />)).toBe('waiting');
    expect(tone(<CallProgressCard to="(415) 555-0111" state="error" onDismiss={() => {}} />)).toBe('unsuccessful');
  });
});
