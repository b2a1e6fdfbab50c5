import { describe, expect, it } from 'vitest';
import type { Call } from '../store/index.ts';
import { toCrmCall } from './crm-call.ts';

const call = {
  id: 3,
  instance_id: 'main',
  call_id: 'CA1',
  direction: 'inbound',
  status: 'completed',
  status_raw: 'completed',
  from_number: '+14155550100',
  to_number: '+15005550006',
  user_number: null,
  duration: 3725,
  started_at: null,
  ended_at: null,
  recording_url: null,
  notes: null,
  disposition: null,
  created_at: '2025-03-02T14:00:00.000Z',
  updated_at: '2025-03-02T15:02:10.000Z',
  extra: {},
  contact: null,
  contacts: [],
  crm_log: null,
  new_contact_url: null,
} satisfies Call;

describe('the times a CRM logs for a call', () => {
  it("are the provider's when it sent them", () => {
    const times = { started_at: '2025-03-02T14:00:05.000Z', ended_at: '2025-03-02T15:01:00.000Z' };
    expect(toCrmCall({ ...call, ...times }, undefined)).toMatchObject(times);
  });

  it('start when the relay first heard of the call and end its duration later when the provider sent none (Twilio)', () => {
    expect(toCrmCall(call, undefined)).toMatchObject({ started_at: '2025-03-02T14:00:00.000Z', ended_at: '2025-03-02T15:02:05.000Z' });
    expect(toCrmCall({ ...call, started_at: '2025-03-02T14:00:10.000Z' }, undefined)).toMatchObject({ ended_at: '2025-03-02T15:02:15.000Z' });
  });

  it('have no end while the call goes on or its duration is unknown', () => {
    expect(toCrmCall({ ...call, status: 'in-progress' }, undefined).ended_at).toBeNull();
    expect(toCrmCall({ ...call, duration: null }, undefined)).toMatchObject({ started_at: '2025-03-02T14:00:00.000Z', ended_at: null });
  });
});

describe('the contact a CRM links a call to', () => {
  it("is the call's contact with the kind of record its search found (Vtiger links a Lead elsewhere than a Contact)", () => {
    const lead = { id: '2x77', name: 'Lee Lead', company: 'Lead Co', url: null, kind: 'Leads' };
    expect(toCrmCall({ ...call, contact: lead, contacts: [lead] }, undefined)).toMatchObject({ contact_id: '2x77', contact_kind: 'Leads' });
    expect(toCrmCall(call, undefined)).toMatchObject({ contact_id: null, contact_kind: null });
  });
});
