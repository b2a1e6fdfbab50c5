import { expect, it } from 'vitest';
import { inTurn } from './in-turn.ts';

it('gives the items as they are in even rounds, reversed in odd ones, and never changes them', () => {
  const items = ['this', 'other', 'third'] as const;
  expect([0, 1, 2, 3].map((round) => inTurn(items, round))).toEqual([
    ['this', 'other', 'third'],
    ['third', 'other', 'this'],
    ['this', 'other', 'third'],
    ['third', 'other', 'this'],
  ]);
  expect(items).toEqual(['this', 'other', 'third']);
});
