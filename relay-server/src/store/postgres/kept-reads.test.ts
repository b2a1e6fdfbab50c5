import { describe, expect, it } from 'vitest';
import { KeptWhileNoticed } from './kept-reads.ts';

// What the PostgreSQL store keeps between reads while it hears of directory changes (the store's own in two-relays.test.ts).

/** A kept read whose loads answer when the test says, counting them. */
function keptWithLoads(limit = 2) {
  const loads: Array<{ key: string; answer: (value: string | undefined) => void }> = [];
  const kept = new KeptWhileNoticed<string>(limit, (key) => new Promise((answer) => loads.push({ key, answer })));
  return { kept, loads };
}

describe('KeptWhileNoticed', () => {
  it('keeps what it read while hearing, up to its limit, the first kept going first; nothing unfound', async () => {
    const { kept, loads } = keptWithLoads(2);
    kept.heard(true);
    for (const key of ['a', 'b', 'a', 'c', 'b', 'a']) {
      const read = kept.read(key);
      if (loads.at(-1)?.key === key) loads.pop()!.answer(key === 'c' ? undefined : `${key}1`);
      await read;
    }
    // a and b kept; c unfound and not kept; read again: a and b from memory.
    expect(await Promise.all(['a', 'b'].map((key) => kept.read(key)))).toEqual(['a1', 'b1']);
    expect(loads).toEqual([]);
  });

  it('keeps nothing read while not hearing, nor what a read answered after a change', async () => {
    const { kept, loads } = keptWithLoads();
    const unheard = kept.read('a');
    loads.shift()!.answer('a1');
    expect(await unheard).toBe('a1');
    kept.heard(true);
    const before = kept.read('a');
    kept.forget();
    loads.shift()!.answer('a1');
    expect(await before).toBe('a1');
    const after = kept.read('a');
    expect(loads.map((load) => load.key)).toEqual(['a']);
    loads.shift()!.answer('a2');
    expect(await after).toBe('a2');
    expect(await kept.read('a')).toBe('a2');
    expect(loads).toEqual([]);
    // Not hearing any more: what was kept goes.
    kept.heard(false);
    const unkept = kept.read('a');
    expect(loads.map((load) => load.key)).toEqual(['a']);
    loads.shift()!.answer('a3');
    expect(await unkept).toBe('a3');
  });
});
