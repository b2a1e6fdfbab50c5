import { WEBHOOK_EVENTS } from '@phone-connector/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCallbackSecret, randomId } from './auth/token.ts';
import { hookPathForLog } from './log.ts';
import { testRelay } from './testing.ts';

const secret = generateCallbackSecret();
const uid = randomId('in_');

/** Every way a path segment can carry the secret, or something else entirely. */
const segment = fc.oneof(
  fc.constant(secret),
  fc.constant(uid),
  fc.constantFrom(...WEBHOOK_EVENTS, '', 'hooks', '.', '..'),
  fc.string({ maxLength: 40 }).filter((s) => !s.includes('/')),
  fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })).map(([before, after]) => `${before}${secret}${after}`.replaceAll('/', '')),
  // The secret percent-encoded, character by character or only in part.
  fc.nat(secret.length).map((n) => [...secret].map((c, i) => (i < n ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c)).join('')),
);
/** `/hooks/…` with any number of slashes before and around it, any spelling of `hooks`, any segments after it. */
const hookPath = fc
  .tuple(fc.nat(3), fc.constantFrom('hooks', 'Hooks', 'HOOKS'), fc.array(segment, { maxLength: 7 }))
  .map(([leading, hooks, rest]) => `${'/'.repeat(leading + 1)}${[hooks, ...rest].join('/')}`);

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

describe('hookPathForLog', () => {
  it('shows the instance and the event of a callback path, never the secret', () => {
    expect(hookPathForLog(`/hooks/${uid}/${secret}/answer`)).toBe(`/hooks/${uid}/***/answer`);
    expect(hookPathForLog('/api/v1/calls/12')).toBe('/api/v1/calls/12');
  });

  it('masks the secret of malformed callback paths', () => {
    expect(hookPathForLog(`/hooks//${uid}/${secret}/status`)).toBe(`/hooks//${uid}/***/status`);
    expect(hookPathForLog(`/hooks/${uid}//${secret}/status`)).toBe(`/hooks/${uid}//***/status`);
    expect(hookPathForLog(`//hooks/${secret}/${uid}`)).toBe(`//hooks/***/${uid}`);
  });

  it('never lets the secret through, whatever the shape of the path (fuzzed)', () => {
    fc.assert(
      fc.property(hookPath, (path) => {
        const logged = hookPathForLog(path);
        expect(decoded(logged)).not.toContain(secret);
        expect(logged.split('/')).toHaveLength(path.split('/').length);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the secret out of the log lines of a request on a malformed path', async () => {
    const relay = testRelay();
    const ada = await relay.addAgent('Ada', '+14155550111');
    const [, , instance, realSecret] = new URL((await relay.twilioInstance(ada.token)).status).pathname.split('/');
    const response = await relay.app.request(`/hooks//${instance}/${realSecret}/status`, { method: 'POST', body: 'CallSid=CA1' });
    expect(response.status).toBe(404);
    const lines = relay.logs.filter((line) => line.includes('"webhook'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`/hooks//${instance}/***/status`);
    expect(relay.logs.join('')).not.toContain(realSecret);
  });
});
