import { describe, expect, it } from 'vitest';
import { buildRecord } from '../record/call-record.ts';
import { buildCallReport, callReportSchema } from './call-report.ts';

describe('the report of a placed call', () => {
  it('says what the engine mapped from the provider, under the instance the call went through', () => {
    const record = buildRecord({ call_id: 'CA1', call_status: 'queued', to_number: '+14155550100', from_number: '+15005550006' });
    const report = buildCallReport('twilio-main', '+14155550100', record);
    expect(report).toEqual({ instance: 'twilio-main', call_id: 'CA1', to_number: '+14155550100', from_number: '+15005550006', status: 'queued' });
    expect(callReportSchema.parse(report)).toEqual(report);
  });

  it('falls back on the number the agent called when the provider does not echo it', () => {
    const report = buildCallReport('plivo', '+14155550100', buildRecord({ call_id: 'abc' }));
    expect(report).toEqual({ instance: 'plivo', call_id: 'abc', to_number: '+14155550100' });
    expect(callReportSchema.safeParse(report).success).toBe(true);
  });

  it('has no report for a call the provider gave no id', () => {
    expect(buildCallReport('twilio-main', '+14155550100', buildRecord({ call_status: 'queued' }))).toBeUndefined();
  });

  it('refuses a report without a call id or number, or with an oversized field', () => {
    expect(callReportSchema.safeParse({ instance: 'i', call_id: '', to_number: '+1' }).success).toBe(false);
    expect(callReportSchema.safeParse({ instance: 'i', call_id: 'CA1' }).success).toBe(false);
    expect(callReportSchema.safeParse({ instance: 'i'.repeat(65), call_id: 'CA1', to_number: '+1' }).success).toBe(false);
    expect(callReportSchema.safeParse({ instance: 'i', call_id: 'CA1', to_number: '+1', status: 7 }).success).toBe(false);
  });
});
