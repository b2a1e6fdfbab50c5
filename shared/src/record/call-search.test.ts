import { describe, expect, it } from 'vitest';
import { callMatches, parseCallSearch } from './call-search.ts';

type Searched = Parameters<typeof callMatches>[0];

const grace: Searched = {
  contact: { id: '12x4', name: 'Grace Hopper', company: 'Navy Labs', url: null },
  notes: 'Wants a quote for two more warehouses',
  disposition: 'Left voicemail',
  from_number: '+14155550199',
  to_number: '+14155550111',
  user_number: null,
  extra: { answered_by: '+14155550122', answered_by_name: 'Bob Kahn' },
};
const jose: Searched = { ...grace, contact: { id: '12x5', name: 'José Álvarez', company: null, url: null }, notes: null, disposition: null, from_number: '+442079460958', extra: {} };
const finds = (text: string, call: Searched = grace, country = 'US') => callMatches(call, parseCallSearch(text, country)!);

describe('finding a call by what the agent typed', () => {
  it('finds a word in the contact, the company, the notes or the outcome, case aside', () => {
    for (const text of ['grace', 'HOPPER', 'navy', 'warehouse', 'voicemail', 'Grace navy']) expect(finds(text), text).toBe(true);
    // The colleague who took it: "the calls Bob took".
    expect(finds('bob')).toBe(true);
    expect(finds('Grace Lovelace')).toBe(false);
    expect(finds('ada')).toBe(false);
  });

  it('finds accented names typed without their accents, and with them', () => {
    for (const text of ['jose', 'José', 'ALVAREZ', 'álvarez']) expect(finds(text, jose), text).toBe(true);
  });

  it('finds a number in any of its numbers, typed in part or whole, however written', () => {
    for (const text of ['555 0199', '(415) 555-01', '+1 415 555 0199', '0199', '14155550111']) expect(finds(text), text).toBe(true);
    expect(finds('555 0100')).toBe(false);
    // A national number: stored as E.164, found by what it reads as in the agent's country.
    expect(finds('020 7946 0958', jose, 'GB')).toBe(true);
    expect(finds('7946 0958', jose, 'GB')).toBe(true);
    expect(finds('020 7946 0958', jose, 'US')).toBe(false);
  });

  it('takes a word of digits beside other words as part of a number', () => {
    expect(finds('grace 0199')).toBe(true);
    expect(finds('grace 0100')).toBe(false);
  });

  it('looks for nothing when nothing is typed, and for words when too few digits are', () => {
    expect(parseCallSearch('   ')).toBeUndefined();
    expect(parseCallSearch('12')).toEqual({ words: ['12'], digits: null });
    expect(finds('12')).toBe(false);
  });

  it('finds no number in a call without numbers, and no word in a call without a contact', () => {
    const bare: Searched = { contact: null, notes: null, disposition: null, from_number: null, to_number: null, user_number: null, extra: {} };
    expect(finds('555 0199', bare)).toBe(false);
    expect(finds('grace', bare)).toBe(false);
  });
});
