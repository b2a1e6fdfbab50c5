import { describe, expect, it } from 'vitest';
import { parsePath } from '../payload/path.ts';
import { phonesOf } from './phone-match.ts';

describe('phonesOf', () => {
  const paths = ['phone', 'mobile', 'phones'].map(parsePath);

  it("reads each path's phone, or list of phones, as text, leaving out what is no text or number", () => {
    const record = { phone: '(415) 555-0100', mobile: 4155550101, phones: ['+1 415-555-0102', 4155550103, null, { number: '1' }], other: '4155550199' };
    expect(phonesOf(paths, record, record)).toEqual(['(415) 555-0100', '4155550101', '+1 415-555-0102', '4155550103']);
    expect(phonesOf(paths, { phone: null, mobile: '', phones: 'n/a' }, {})).toEqual(['', 'n/a']);
  });

  it('reads a path in the record, then in the item holding it, path by path; the record once when it is the item', () => {
    const record = { phone: '4155550100' };
    const item = { record, phone: '2125550100', mobile: '2125550101' };
    expect(phonesOf(paths, record, item)).toEqual(['4155550100', '2125550100', '2125550101']);
    expect(phonesOf(paths, item, item)).toEqual(['2125550100', '2125550101']);
    expect(phonesOf([parsePath('phone')], undefined, item)).toEqual(['2125550100']);
  });
});
