/**
 * The tests every CRM simulator's self-test runs on its switches (CrmSimulator): injected
 * failures, an outage, held searches and the request log, each driven over HTTP through the
 * simulator's own requests. What the CRM answers in each case (its 429 body, its headers) stays
 * in that simulator's own tests.
 */
import { describe, expect, it } from 'vitest';
import type { CrmSimulator } from './crm-simulator.ts';

export interface SwitchProbes {
  simulator(): CrmSimulator;
  /** An authorised request that is no contact search and answers 200. */
  plain(): Promise<Response>;
  /** An authorised contact search that answers 200. */
  search(): Promise<Response>;
}

export function describeCrmSwitches(probes: SwitchProbes): void {
  describe('switches every CRM simulator has', () => {
    it('fails the next N requests with the injected status, records it, then serves again', async () => {
      const crm = probes.simulator();
      crm.failNext(2, { status: 503 });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await probes.plain()).status);
      expect(statuses).toEqual([503, 503, 200]);
      expect(crm.requests.slice(-3).map((r) => r.status)).toEqual([503, 503, 200]);
    });

    it('fails only the requests whose path matches', async () => {
      const crm = probes.simulator();
      crm.failNext(1, { status: 500 }, /^\/no-such-path$/);
      expect((await probes.plain()).status).toBe(200);
      expect((await probes.search()).status).toBe(200);
    });

    it('refuses connections while down, and serves again once up', async () => {
      const crm = probes.simulator();
      await crm.down();
      await expect(probes.plain()).rejects.toThrow();
      await expect(probes.search()).rejects.toThrow();
      await crm.up();
      expect((await probes.plain()).status).toBe(200);
    });

    it('holds searches until released, answers them then, and holds nothing else', async () => {
      const crm = probes.simulator();
      const before = crm.requests.length;
      const release = crm.holdSearches();
      const pending = probes.search();
      await expect.poll(() => crm.requests.slice(before).some((r) => r.status === 0), { timeout: 30_000 }).toBe(true);
      expect((await probes.plain()).status).toBe(200);
      release();
      expect((await pending).status).toBe(200);
      expect(crm.requests.slice(before).map((r) => r.status)).toEqual([200, 200]);
    });

    it('holds the requests a pattern matches until released, and holds nothing else', async () => {
      const crm = probes.simulator();
      await probes.plain();
      const { url } = crm.requests.at(-1)!;
      const release = crm.holdRequests(new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      const before = crm.requests.length;
      const pending = probes.plain();
      await expect.poll(() => crm.requests.slice(before).some((r) => r.status === 0), { timeout: 30_000 }).toBe(true);
      expect((await probes.search()).status).toBe(200);
      release();
      expect((await pending).status).toBe(200);
      expect(crm.requests.slice(before).map((r) => r.status)).toEqual([200, 200]);
    });

    it('records every request with its method, path, headers, body and answer', async () => {
      const crm = probes.simulator();
      const before = crm.requests.length;
      const response = await probes.search();
      const [recorded] = crm.requests.slice(before);
      expect(recorded).toMatchObject({ method: expect.stringMatching(/^(GET|POST)$/), url: expect.stringMatching(/^\//), status: response.status, body: expect.any(String) });
      expect(Object.keys(recorded!.headers).length).toBeGreaterThan(0);
    });
  });
}
