import { describe, expect, it } from 'vitest';
import { crmThroughput, WARM_UP, WARM_UP_ROUNDS } from './relay-throughput.ts';

describe('the throughput bench with a CRM', () => {
  it('refuses more calls than it has callers new to the CRM, before starting anything', async () => {
    // Past 10,000 callers they come again, and their lookups would hit the relay's cache.
    await expect(crmThroughput(10_000 - WARM_UP * WARM_UP_ROUNDS + 1)).rejects.toThrow(/need callers new to the CRM: 10000 at most/);
  });
});
