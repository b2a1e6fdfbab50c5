import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { damagedConnector } from '../../../shared/test/connector-damage.ts';
import { testRelay } from '../testing.ts';

/**
 * Damaged bundled connectors registered as custom XML through the real app: the relay answers
 * 200 or 422 with positioned diagnostics, never a 5xx. Seeded and bounded in count.
 */
describe('PUT /instances/:id with damaged connector XML', () => {
  it('answers 200 or 422 with line:col diagnostics, never a 5xx', { timeout: 120_000 }, async () => {
    const relay = testRelay();
    const ada = await relay.addAgent('Ada', '+14155550111');
    await fc.assert(
      fc.asyncProperty(damagedConnector, async ({ source }) => {
        const response = await relay.call(ada.token, 'PUT', '/instances/fuzz', { xml: source, config: {} });
        const body = (await response.json()) as { diagnostics?: Array<{ line: number | null; col: number | null; severity: string }> };
        if (response.status === 200) return;
        expect(response.status).toBe(422);
        const errors = body.diagnostics!.filter((d) => d.severity === 'error');
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.filter((d) => !(Number.isInteger(d.line) && d.line! >= 1 && Number.isInteger(d.col) && d.col! >= 1))).toEqual([]);
      }),
      { seed: 17, numRuns: 400 },
    );
  });
});
