import { describe, expect, it } from 'vitest';
import { loadConnector } from '../connector/compile.ts';
import { callbackEventOfField } from './callbacks.ts';
import { dryRunRequest, replayWebhook } from './dry-run.ts';
import { REDACTED } from './redact.ts';
import type { RunContext } from './scope.ts';

const plan = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="token" type="password"/><field name="status_callback" type="url"/></fields></config>
  <provider><url>https://api.example.com</url><auth><jwt algorithm="HS256" key="$config.$fields.token" header="Authorization" prefix="Bearer "/></auth></provider>
  <outgoing_call>
    <request><parameters><parameter name="to" value="@to_number"/><parameter name="key" value="$config.$fields.token"/><parameter name="cb" value="@status_callback"/></parameters></request>
    <callbacks><status_callback use="CallStatus"><status for="completed"><response><call_id use="CallSid"/><call_status use="CallStatus"/></response></status></status_callback></callbacks>
  </outgoing_call>
</connector>`);
const context: RunContext = { config: { token: 's3cret-token', status_callback: 'https://crm.example/status' }, defaultCountry: 'US' };

describe('dryRunRequest', () => {
  it('builds the call request with stand-in credentials and secrets redacted', () => {
    const request = dryRunRequest(plan, context, '4155550100');
    expect(request.headers.Authorization).toBe(`Bearer ${REDACTED}`);
    expect(new URLSearchParams(request.body).get('to')).toBe('+14155550100');
    expect(new URLSearchParams(request.body).get('key')).toBe(REDACTED);
    expect(JSON.stringify(request)).not.toContain('s3cret-token');
  });

  it('shows secret values when asked to', () => {
    const request = dryRunRequest(plan, context, '4155550100', { showSecrets: true });
    expect(new URLSearchParams(request.body).get('key')).toBe('s3cret-token');
    expect(request.headers.Authorization).toBe('Bearer <HS256 JWT minted per call>');
  });
});

describe('replayWebhook', () => {
  const body = 'CallSid=CA1&CallStatus=completed';
  const form = 'application/x-www-form-urlencoded';

  it('posts the recorded webhook to the given URL, whose query is part of the payload', () => {
    const result = replayWebhook(plan, 'status', { url: 'https://relay/hooks/i/s/status?extra=1', contentType: form, body }, context);
    expect(result.record).toMatchObject({ call_id: 'CA1', call_status: 'completed' });
    expect(result.payload).toMatchObject({ extra: '1' });
  });

  it("falls back to the relay's callback URL, then to the config field, then to a placeholder", () => {
    const fromRelay = replayWebhook(plan, 'status', { contentType: form, body }, { ...context, callbacks: { status: 'https://relay/hooks/i/s/status?via=relay' } });
    expect(fromRelay.payload).toMatchObject({ via: 'relay' });
    const fromConfig = replayWebhook(plan, 'status', { contentType: form, body }, { ...context, config: { ...context.config, status_callback: 'https://crm.example/status?via=config' } });
    expect(fromConfig.payload).toMatchObject({ via: 'config' });
    const placeholder = replayWebhook(plan, 'status', { contentType: form, body }, { config: {} });
    expect(placeholder.record).toMatchObject({ call_id: 'CA1' });
  });
});

describe('callbackEventOfField', () => {
  it('names the event of a callback URL field, and nothing for other fields', () => {
    expect(callbackEventOfField('answer_callback')).toBe('answer');
    expect(callbackEventOfField('status_callback')).toBe('status');
    expect(callbackEventOfField('incoming_callback')).toBe('incoming');
    expect(callbackEventOfField('answer_status_callback')).toBeUndefined();
    expect(callbackEventOfField('token')).toBeUndefined();
  });
});
