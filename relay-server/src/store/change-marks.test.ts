import { describe, expect, it } from 'vitest';
import { changeBetween } from './change-marks.ts';

describe('changeBetween', () => {
  it('tells appended events, a directory change, both and neither apart', () => {
    const before = { events: 7, directory: 3 };
    expect(changeBetween(before, { events: 7, directory: 3 })).toEqual({ events: false, directory: false });
    expect(changeBetween(before, { events: 9, directory: 3 })).toEqual({ events: true, directory: false });
    expect(changeBetween(before, { events: 7, directory: 4 })).toEqual({ events: false, directory: true });
    // Any move counts, a smaller last id too (SQLite may hand a rowid out again after a delete).
    expect(changeBetween(before, { events: 5, directory: 4 })).toEqual({ events: true, directory: true });
  });
});
