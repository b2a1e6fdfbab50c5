import type { CallView } from '@phone-connector/shared';

/** A call as the relay pushes it (an inbound call nobody answered), with the fields a test sets. */
export function callView(fields: Partial<CallView> = {}): CallView {
  return {
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
    ...fields,
  };
}
