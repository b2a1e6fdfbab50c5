import { describe, expect, it } from 'vitest';
import { PlaceMap } from './place-map.ts';

describe('PlaceMap', () => {
  it('finds a value by its calls and both lengths of its place, fractions included', () => {
    const places = new PlaceMap<string>();
    places.set('+12125550100', { left: 312.5, top: 104.296875 }, 'first row');
    places.set('+12125550100', { left: 312.5, top: 125.896875 }, 'second row');
    places.set('+12125550100', { left: 400.015625, top: 104.296875 }, 'second column');
    places.set('+14155550100', { left: 312.5, top: 104.296875 }, 'another number');
    expect(places.get('+12125550100', { left: 312.5, top: 104.296875 })).toBe('first row');
    expect(places.get('+12125550100', { left: 312.5, top: 125.896875 })).toBe('second row');
    expect(places.get('+12125550100', { left: 400.015625, top: 104.296875 })).toBe('second column');
    expect(places.get('+14155550100', { left: 312.5, top: 104.296875 })).toBe('another number');
    expect(places.get('+12125550100', { left: 104.296875, top: 312.5 })).toBeUndefined();
    expect(places.get('+12125550100 +14155550100', { left: 312.5, top: 104.296875 })).toBeUndefined();
  });

  it('forgets a place deleted, and everything cleared', () => {
    const places = new PlaceMap<string>();
    places.set('+12125550100', { left: 1, top: 2 }, 'a');
    places.set('+12125550100', { left: 1, top: 3 }, 'b');
    places.delete('+12125550100', { left: 1, top: 2 });
    expect(places.get('+12125550100', { left: 1, top: 2 })).toBeUndefined();
    expect(places.get('+12125550100', { left: 1, top: 3 })).toBe('b');
    places.clear();
    expect(places.get('+12125550100', { left: 1, top: 3 })).toBeUndefined();
  });
});
