import { describe, expect, it, vi } from 'vitest';
import { parsePhoneNumberFromString } from './phone-metadata.ts';
import { nationalDigits, toE164 } from './phone.ts';

// libphonenumber's parse, counted: what the kept readings spare.
vi.mock('./phone-metadata.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./phone-metadata.ts')>();
  return { ...actual, parsePhoneNumberFromString: vi.fn(actual.parsePhoneNumberFromString) };
});
const parses = vi.mocked(parsePhoneNumberFromString);

describe('kept phone readings', () => {
  it("reads each caller of a burst of 4,000 once, though its call's log reads it again after all the others' lookups", () => {
    const callers = Array.from({ length: 4_000 }, (_, i) => `+1415${2_000_000 + i}`);
    // The lookups, as the CRM session reads a caller: its E.164 in the instance's country, then its national digits.
    for (const caller of callers) expect(nationalDigits(toE164(caller, 'US')!)).toBe(caller.slice(2));
    const lookups = parses.mock.calls.length;
    expect(lookups).toBeGreaterThanOrEqual(callers.length);
    // The logs once the burst is over: the caller's national digits again.
    parses.mockClear();
    for (const caller of callers) expect(nationalDigits(caller, 'US')).toBe(caller.slice(2));
    expect(parses).not.toHaveBeenCalled();
  });
});
