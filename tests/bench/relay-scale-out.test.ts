import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../relay/harness.ts';
import { benchScaleOut, callOwner, crossedShare, type ScaleOutFigures, scaleOutSection } from './relay-scale-out.ts';

describe('crossedShare', () => {
  it('counts the calls a relay took whose owner is on the other relay', () => {
    const owners = [0, 0, 1, 1, 0, 0, 1, 1];
    expect(crossedShare([0, 0, 1, 1, 0, 0, 1, 1], owners, 2)).toBe(0);
    expect(crossedShare([1, 1, 0, 0, 1, 1, 0, 0], owners, 2)).toBe(1);
    expect(crossedShare([0, 1, 0, 1, 0, 1, 0, 1], owners, 2)).toBe(0.5);
    // One relay: every agent is on it, nothing crosses.
    expect(crossedShare([0, 0, 0, 0, 0, 0, 0, 0], owners, 1)).toBe(0);
    expect(crossedShare([], [], 2)).toBe(0);
  });

  it('owns calls in pairs, so that each relay taking calls in turn takes both agents', () => {
    expect(Array.from({ length: 8 }, (_, i) => callOwner(i, 2))).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
  });
});

// Real relay processes on one database: a few calls, so that the figures' wiring is checked, not their size.
describe.each(['sqlite', 'postgres'] as const)('benchScaleOut on %s', (store) => {
  it('delivers every measured call to its owner through two relays, about half of them crossed', async () => {
    const figures = await benchScaleOut({ store, relays: 2, calls: 80, warmUp: 42, concurrency: 4 });
    expect(figures).toMatchObject({ store, relays: 2, calls: 80 });
    expect(figures.webhooksPerSecond).toBeGreaterThan(0);
    expect(figures.webhookMs.p50).toBeGreaterThan(0);
    expect(figures.deliveryMs.p50).toBeGreaterThan(0);
    // Four senders, two on each relay, each call's owner one of two agents on one relay each. The
    // warm-up's 42 calls leave the measured ones starting mid-pair: each call is still signed for, and awaited on, its owner.
    // Which relay takes a call is whichever sender is free first: the share crossed is about half
    // on average but the machine's timing's (0.8 in a CI run beside other work), so only bounded
    // away from none and all, which would need every one of the 80 calls to line up with its owner.
    expect(figures.crossed).toBeGreaterThan(0);
    expect(figures.crossed).toBeLessThan(1);
    expect(figures.rerunsPerTransaction).toBeGreaterThanOrEqual(0);
    expect(scaleOutSection([figures])).toContain(`| ${store === 'postgres' ? 'PostgreSQL' : 'SQLite'} | 2 | ${figures.webhooksPerSecond.toLocaleString('en-US')} |`);
  });
});

describe('scaleOutSection', () => {
  const figures: ScaleOutFigures = { store: 'postgres', relays: 1, calls: 2000, warmUp: 1000, webhooksPerSecond: 1234, webhookMs: { p50: 1, p95: 2, p99: 3, max: 4 }, deliveryMs: { p50: 5, p95: 6, p99: 7, max: 8 }, crossed: 0, rerunsPerTransaction: 0.001 };

  it('gives each setup a row and says what was sent', () => {
    const section = scaleOutSection([figures]);
    expect(section).toContain('| PostgreSQL | 1 | 1,234 | 1 / 3 | 5 / 7 | 0 % | 0.001 |');
    expect(section).toContain('2000 new-call status webhooks');
    expect(section).toContain('Before them, 1,000 calls');
  });

  it('is the text docs/benchmarks.md holds, the figures aside', () => {
    const [head, text] = scaleOutSection([figures]).split('\n\n');
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'benchmarks.md'), 'utf8');
    expect(doc).toContain(`${head}\n\n${text}\n`);
  });
});
