import { describe, expect, it } from 'vitest';
import { nonNegativeIntegerFlag, positiveIntegerFlag } from './flags.ts';

describe('integer flags', () => {
  it('takes 0 where a count may be none (the distance probe: no proxy), and only there', () => {
    expect(nonNegativeIntegerFlag(['tree', '--delay', '0'], '--delay', 1)).toBe(0);
    expect(nonNegativeIntegerFlag(['tree', '--delay', '5'], '--delay', 1)).toBe(5);
    expect(nonNegativeIntegerFlag(['tree'], '--delay', 1)).toBe(1);
    expect(() => nonNegativeIntegerFlag(['--delay', '-1'], '--delay', 1)).toThrow('--delay takes an integer from 0, got -1');
    expect(() => positiveIntegerFlag(['--rounds', '0'], '--rounds', 3)).toThrow('--rounds takes a positive integer, got 0');
    expect(positiveIntegerFlag(['--rounds', '2'], '--rounds', 3)).toBe(2);
  });
});
