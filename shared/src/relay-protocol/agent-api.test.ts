import { describe, expect, it } from 'vitest';
import { callNotesSchema, instanceBodySchema, mePatchSchema } from './agent-api.ts';

describe('agent API bodies', () => {
  it('takes an agent profile patch and refuses a key it could not store', () => {
    expect(mePatchSchema.parse({ number: '+14155550111', email: null, profile: { country: 'US', old: null } })).toEqual({ number: '+14155550111', email: null, profile: { country: 'US', old: null } });
    expect(mePatchSchema.safeParse({ profile: { 'Bad Key': 'x' } }).success).toBe(false);
    expect(mePatchSchema.safeParse({ email: 'x'.repeat(255) }).success).toBe(false);
  });

  it('takes an instance as a bundled connector or XML, with its config defaulting to none', () => {
    expect(instanceBodySchema.parse({ connector: 'twilio' })).toEqual({ connector: 'twilio', config: {} });
    expect(instanceBodySchema.safeParse({ xml: 'x'.repeat(256 * 1024 + 1) }).success).toBe(false);
    expect(instanceBodySchema.safeParse({ connector: 'twilio', config: { token: 7 } }).success).toBe(false);
  });

  it('takes notes and a disposition, or null to clear them', () => {
    expect(callNotesSchema.parse({ notes: null, disposition: 'sale' })).toEqual({ notes: null, disposition: 'sale' });
    expect(callNotesSchema.safeParse({ notes: 'x'.repeat(10_001) }).success).toBe(false);
  });
});
