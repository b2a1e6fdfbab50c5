import { describe, expect, it } from 'vitest';
import { normalisePublicUrl, startConfig, storeLocation } from './config.ts';
import { crmEngine } from './crm/engine.ts';

describe('startConfig', () => {
  it('defaults to port 8787 on loopback with SQLite in ./data', () => {
    expect(startConfig({}, {})).toEqual({ db: './data/relay.db', port: 8787, host: '127.0.0.1', logLevel: 'info' });
  });

  it('reads the environment, flags winning', () => {
    const env = { PORT: '9000', HOST: '0.0.0.0', PUBLIC_URL: 'https://env.example', LOG_LEVEL: 'warn' };
    expect(startConfig({}, env)).toMatchObject({ port: 9000, host: '0.0.0.0', publicUrl: 'https://env.example', logLevel: 'warn' });
    expect(startConfig({ port: '0', host: '127.0.0.1', 'public-url': 'https://flag.example/' }, env)).toMatchObject({ port: 0, host: '127.0.0.1', publicUrl: 'https://flag.example' });
  });

  it('refuses bad values', () => {
    expect(() => startConfig({ port: '-1' }, {})).toThrow('is not a TCP port');
    expect(() => startConfig({}, { LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL');
    expect(() => startConfig({}, { CRM_WRAP_UP_SECONDS: '5m' })).toThrow('CRM_WRAP_UP_SECONDS "5m" is not a number of seconds');
    expect(() => startConfig({}, { CRM_THREAD: 'no' })).toThrow('CRM_THREAD "no" is not on or off');
    expect(() => startConfig({}, { CRM_SIGN_IN_AHEAD: 'no' })).toThrow('CRM_SIGN_IN_AHEAD "no" is not on or off');
    for (const far of ['-1', '3ms', '', '60001']) expect(() => startConfig({}, { PG_FAR_ROUND_TRIP_MS: far })).toThrow(`PG_FAR_ROUND_TRIP_MS "${far}" is not a number of milliseconds`);
  });

  it("reads where requests to providers' APIs go instead (PROVIDER_ORIGINS), none by default", () => {
    expect(startConfig({}, { PROVIDER_ORIGINS: 'https://api.twilio.com=http://127.0.0.1:9' }).providerOrigins).toEqual(new Map([['https://api.twilio.com', 'http://127.0.0.1:9']]));
    expect(startConfig({}, {})).not.toHaveProperty('providerOrigins');
    expect(() => startConfig({}, { PROVIDER_ORIGINS: 'api.twilio.com' })).toThrow('PROVIDER_ORIGINS: "api.twilio.com" is not ORIGIN=ORIGIN');
  });

  it("reads from which round trip PostgreSQL counts as far, leaving the store's default otherwise", () => {
    expect(startConfig({}, { PG_FAR_ROUND_TRIP_MS: '0' })).toMatchObject({ farRoundTripMs: 0 });
    expect(startConfig({}, { PG_FAR_ROUND_TRIP_MS: '1.5' })).toMatchObject({ farRoundTripMs: 1.5 });
    expect(startConfig({}, {})).not.toHaveProperty('farRoundTripMs');
  });

  it('signs CRM sessions in ahead of their calls unless CRM_SIGN_IN_AHEAD=off', () => {
    expect(startConfig({}, { CRM_SIGN_IN_AHEAD: 'off' }).crmSignInAhead).toBe(false);
    expect(startConfig({}, { CRM_SIGN_IN_AHEAD: 'on' })).not.toHaveProperty('crmSignInAhead');
  });

  it('runs the CRM sessions on the main thread with CRM_THREAD=off, on their own thread otherwise (the relay\'s default engine)', () => {
    expect(startConfig({}, { CRM_THREAD: 'off' }).crmEngine).toBe(crmEngine);
    expect(startConfig({}, { CRM_THREAD: 'on' })).not.toHaveProperty('crmEngine');
  });

  it('reads the CRM wrap-up window in seconds', () => {
    expect(startConfig({}, { CRM_WRAP_UP_SECONDS: '120' })).toMatchObject({ crmWrapUpMs: 120_000 });
  });
});

describe('storeLocation', () => {
  it('picks --db over DATABASE_URL, and DATABASE_URL over the default', () => {
    expect(storeLocation({ db: 'x.db' }, { DATABASE_URL: 'postgres://h/d' })).toEqual({ db: 'x.db' });
    expect(storeLocation({}, { DATABASE_URL: 'postgres://h/d' })).toEqual({ databaseUrl: 'postgres://h/d' });
    expect(storeLocation({}, {})).toEqual({ db: './data/relay.db' });
  });
});

describe('normalisePublicUrl', () => {
  it('keeps scheme, host, port and path prefix, without a trailing slash', () => {
    expect(normalisePublicUrl('https://relay.example.com/')).toBe('https://relay.example.com');
    expect(normalisePublicUrl('http://abc.ngrok.app:8443/pc/')).toBe('http://abc.ngrok.app:8443/pc');
  });

  it.each(['relay.example.com', 'ws://relay.example.com', 'https://relay.example.com/?x=1', 'https://u:p@relay.example.com'])('refuses %s', (url) => {
    expect(() => normalisePublicUrl(url)).toThrow();
  });
});
