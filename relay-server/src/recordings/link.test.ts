import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROVIDER_RECORDING_URL, recordingLink, recordingSignature, signatureMatches, throughRelay } from './link.ts';
import { fetchAnswerWithin, fetchThrough, parseProviderOrigins } from './provider-origins.ts';

const instance = { uid: 'in_ada_main', secret: 'hook-secret-1' };

describe('a call recording link', () => {
  it('is signed for its call by the instance secret, and a new secret voids it', () => {
    const link = recordingLink('https://relay.example.com/pc', instance, 'v3:abc/def');
    const signature = recordingSignature(instance, 'v3:abc/def');
    expect(link).toBe(`https://relay.example.com/pc/recordings/in_ada_main/${signature}?call=v3%3Aabc%2Fdef`);
    expect(signature).toMatch(/^[\w-]{22}$/);
    expect(signatureMatches(instance, 'v3:abc/def', signature)).toBe(true);
    expect(signatureMatches(instance, 'v3:abc/deg', signature)).toBe(false);
    expect(signatureMatches({ secret: 'hook-secret-2' }, 'v3:abc/def', signature)).toBe(false);
    expect(signatureMatches(instance, 'v3:abc/def', signature.slice(1))).toBe(false);
  });

  it("replaces the provider's link in an update and keeps it in the call's extra", () => {
    const update = { status: 'no-answer' as const, recording_url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1', extra: { recording_duration: '12' } };
    expect(throughRelay(update, 'https://relay.example.com', instance, 'CA1')).toEqual({
      status: 'no-answer',
      recording_url: recordingLink('https://relay.example.com', instance, 'CA1'),
      extra: { recording_duration: '12', [PROVIDER_RECORDING_URL]: update.recording_url },
    });
    expect(throughRelay({ status: 'completed' }, 'https://relay.example.com', instance, 'CA1')).toEqual({ status: 'completed' });
  });
});

describe('PROVIDER_ORIGINS', () => {
  it('maps origins to origins, and refuses anything else', () => {
    expect([...parseProviderOrigins(' https://api.twilio.com=http://127.0.0.1:8080 , https://api.telnyx.com=https://egress.internal:8443')]).toEqual([
      ['https://api.twilio.com', 'http://127.0.0.1:8080'],
      ['https://api.telnyx.com', 'https://egress.internal:8443'],
    ]);
    for (const bad of ['https://api.twilio.com', 'https://api.twilio.com/2010=http://x', 'ftp://a=http://b', 'https://a=http://b=http://c']) {
      expect(() => parseProviderOrigins(bad), bad).toThrow('is not ORIGIN=ORIGIN');
    }
  });

  it('sends a request for a mapped origin to its target, path and query kept, and the others as they are', async () => {
    const seen: string[] = [];
    const base = (async (input: RequestInfo | URL) => {
      seen.push(String(input));
      return new Response('ok');
    }) as typeof fetch;
    const through = fetchThrough(new Map([['https://api.twilio.com', 'http://127.0.0.1:8080']]), base);
    await through('https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.mp3?x=1');
    await through('https://api.telnyx.com/v2/x');
    expect(seen).toEqual(['http://127.0.0.1:8080/2010-04-01/Accounts/AC1/Recordings/RE1.mp3?x=1', 'https://api.telnyx.com/v2/x']);
    expect(fetchThrough(new Map(), base)).toBe(base);
  });
});

describe("the provider's answer for a recording", () => {
  afterEach(() => vi.useRealTimers());

  it('is given up when it has not begun in time, and never cut once it has (a long file to a slow listener)', async () => {
    vi.useFakeTimers();
    const signals: AbortSignal[] = [];
    const answering = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      signals.push(init!.signal!);
      return new Response('ID3');
    }) as typeof fetch;
    await fetchAnswerWithin(answering, 'https://api.example/r.mp3', { method: 'GET' }, 30_000);
    vi.advanceTimersByTime(60_000);
    expect(signals[0]!.aborted).toBe(false);

    const silent = ((_url: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason)))) as typeof fetch;
    const pending = fetchAnswerWithin(silent, 'https://api.example/r.mp3', { method: 'GET' }, 30_000);
    const refused = expect(pending).rejects.toThrow('no answer within 30 s');
    vi.advanceTimersByTime(30_000);
    await refused;
  });
});
