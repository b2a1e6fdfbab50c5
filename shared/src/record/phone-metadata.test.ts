import { afterEach, describe, expect, it, vi } from 'vitest';
import { findPhoneNumbersInText, parsePhoneNumberFromString } from './phone-metadata.ts';

describe('libphonenumber-js as patched (patches/libphonenumber-js@*.patch)', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('compiles each metadata pattern it matches a whole number against once, not on every search', () => {
    const search = () => [findPhoneNumbersInText('Call (212) 555-0100', { defaultCountry: 'US' })[0]?.number.number, parsePhoneNumberFromString('646-555-0102', 'US')?.isValid()];
    expect(search()).toEqual(['+12125550100', true]);
    // matchesEntirely's expressions read `^(?:<pattern>)$`: none is built again for the same numbers.
    const built: string[] = [];
    vi.stubGlobal('RegExp', new Proxy(RegExp, { construct: (target, args: [string | RegExp, string?]) => (built.push(String(args[0])), Reflect.construct(target, args)) }));
    expect(search()).toEqual(['+12125550100', true]);
    expect(built.length).toBeGreaterThan(0);
    expect(built.filter((source) => source.startsWith('^(?:') && source.endsWith(')$'))).toEqual([]);
  });
});
