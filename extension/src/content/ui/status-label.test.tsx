// @vitest-environment happy-dom
import { render } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import { callView } from '../../testing/call-view.ts';
import type { CallActions } from '../call-actions.ts';
import { CallProgressCard } from './CallProgressCard.tsx';
import { IncomingPopup } from './IncomingPopup.tsx';

const call = callView();

/** The popup's actions, which none of these tests takes. */
const noActions: CallActions = {
  update: async () => ({ ok: true }),
  retryLog: async () => ({ ok: true }),
  dispositions: async () => ({ ok: true, dispositions: [] }),
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
    const popup = shownStatus(<IncomingPopup call={call} nationalNumber="(415) 555-0199" actions={noActions} onDismiss={() => {}} />);
    const card = shownStatus(<CallProgressCard to="(415) 555-0111" state="no-answer" onDismiss={() => {}} />);
    expect(popup).toBe('No answer');
    expect(card).toBe(popup);
  });

  it('tells an incoming queued call from an outgoing one, which first rings the agent', () => {
    expect(shownStatus(<IncomingPopup call={{ ...call, status: 'queued' }} nationalNumber="(415) 555-0199" actions={noActions} onDismiss={() => {}} />)).toBe('Incoming');
    expect(shownStatus(<CallProgressCard to="(415) 555-0111" state="queued" onDismiss={() => {}} />)).toBe('Calling your phone…');
  });

  it('shows a status word the relay could not place as the provider sent it', () => {
    expect(shownStatus(<IncomingPopup call={{ ...call, status: null, status_raw: 'voicemail' }} nationalNumber="(415) 555-0199" actions={noActions} onDismiss={() => {}} />)).toBe('voicemail');
  });

  it('colours a status by its tone, the same in the popup and the card', () => {
    const tone = (node: preact.ComponentChild) => statusElement(node)?.getAttribute('data-tone');
    expect(tone(<IncomingPopup call={call} nationalNumber="(415) 555-0199" actions={noActions} onDismiss={() => {}} />)).toBe('unsuccessful');
    expect(tone(<CallProgressCard to="(415) 555-0111" state="no-answer" onDismiss={() => {}} />)).toBe('unsuccessful');
    expect(tone(<IncomingPopup call={{ ...call, status: 'in-progress' }} nationalNumber="(415) 555-0199" actions={noActions} onDismiss={() => {}} />)).toBe('live');
    expect(tone(<CallProgressCard to="(415) 555-0111" state="calling" onDismiss={() => {}} />)).toBe('waiting');
    expect(tone(<CallProgressCard to="(415) 555-0111" state="error" onDismiss={() => {}} />)).toBe('unsuccessful');
  });
});
