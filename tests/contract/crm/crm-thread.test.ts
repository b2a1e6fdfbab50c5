/**
 * The relay's CRM thread (relay-server/src/crm/crm-thread.ts) against the HubSpot simulator over
 * HTTP: sessions opened as a production relay opens them, run in a real worker thread, their
 * requests paced by the main thread's pacer (hubspot.xml declares `<limits>`), and a thread that
 * stops mid-request failing that request as retryable, then starting again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_CRM_CONNECTORS_DIR, CrmConnectors, loadBundledCrmConnectors } from '../../../relay-server/src/crm/connectors.ts';
import { CrmThread } from '../../../relay-server/src/crm/crm-thread.ts';
import { crmEngine } from '../../../relay-server/src/crm/engine.ts';
import { RatePacer } from '../../../relay-server/src/crm/rate-pacer.ts';
import { RelayMetrics } from '../../../relay-server/src/metrics.ts';
import type { Instance } from '../../../relay-server/src/store/index.ts';
import { HubSpotSimulator } from '../../simulators/crm/hubspot.ts';
import { finishedCall, openBundledCrm } from './bundled-crm.ts';

let hubspot: HubSpotSimulator;
let connectors: CrmConnectors;
let ids: Record<'jane' | 'ada', string>;

function instanceAt(updatedAt: string, uid = 'in_ann_main', config: Record<string, string> = hubspot.config): Instance {
  return {
    uid,
    agentId: 'ann',
    localId: 'main',
    connector: 'twilio',
    config: {},
    secret: 'secret',
    crm: { connector: 'hubspot', xml: null, config },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt,
  };
}

const session = async (instance = instanceAt('v1')) => (await connectors.sessionFor(instance, async () => 'US'))!;

beforeAll(async () => {
  hubspot = await HubSpotSimulator.start();
  const [jane, ada] = hubspot.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['+1 415-555-0100'] },
    { firstName: 'Ada', lastName: 'King', phones: ['(415) 555-0144'] },
  ]);
  ids = { jane: jane!, ada: ada! };
  connectors = new CrmConnectors(crmEngine, loadBundledCrmConnectors(crmEngine), { thread: { bundledDir: BUNDLED_CRM_CONNECTORS_DIR } });
});
afterAll(async () => {
  await connectors.close();
  await hubspot.close();
});

describe('CRM sessions run in the CRM thread', () => {
  it('finds, logs, updates and lists dispositions as the in-thread session does, with the synchronous parts answered on the main thread', async () => {
    const crm = await session();
    const here = openBundledCrm('hubspot', hubspot.config);
    expect({ name: crm.name, canUpdate: crm.canUpdate, lookupBatch: crm.lookupBatch, batches: typeof crm.findContactsOf }).toEqual({ name: here.name, canUpdate: true, lookupBatch: here.lookupBatch, batches: 'function' });
    expect(crm.newContactUrl('+14155550177')).toBe(here.newContactUrl('+14155550177'));

    expect(await crm.findContacts('+14155550100')).toEqual(await here.findContacts('+14155550100'));
    expect(await crm.findContacts('+14155550100')).toMatchObject({ ok: true, value: [{ id: ids.jane, name: 'Jane Doe', company: 'Acme' }] });
    expect(await crm.findContactsOf!(['+14155550144', '+14155550177'])).toMatchObject({ ok: true, value: [[{ id: ids.ada }], []] });

    const before = hubspot.activities().length;
    const logged = await crm.logCall(finishedCall({ contact_id: ids.jane }));
    expect(logged).toMatchObject({ ok: true, value: { id: expect.any(String) } });
    const id = logged.ok ? logged.value.id : '';
    expect(hubspot.activities()).toHaveLength(before + 1);
    expect(await crm.updateCall(id, finishedCall({ contact_id: ids.jane, notes: 'Called back, all good' }))).toMatchObject({ ok: true });
    expect(hubspot.activities().find((call) => call.id === id)!.fields).toMatchObject({ hs_call_body: expect.stringContaining('Called back, all good') });
    expect(await crm.dispositions()).toEqual(await here.dispositions());
  });

  it("keeps a connector's <limits> through the main thread's pacer: a burst over HubSpot's 4 searches a second is paced, none refused", async () => {
    // A HubSpot of its own: it counts a token's requests, and keeps counting them for the tests after.
    const limited = await HubSpotSimulator.start();
    try {
      limited.seed([{ firstName: 'Jane', lastName: 'Doe', phones: ['+1 415-555-0100'] }]);
      limited.enforceRateLimits();
      const crm = await session(instanceAt('v1', 'in_ann_burst', limited.config));
      const searches = limited.requests.length;
      const release = limited.holdSearches();
      try {
        const first = Array.from({ length: 4 }, () => crm.findContacts('+14155550100'));
        await expect.poll(() => limited.requests.slice(searches).filter((request) => request.status === 0).length, { timeout: 30_000 }).toBe(4);
        // The pacer on this thread counts the thread's requests in flight: a fifth search waits for the window.
        expect(connectors.pacer.readyIn('in_ann_burst', 'find_contact')).toBeGreaterThan(0);
        const then = Array.from({ length: 2 }, () => crm.findContacts('+14155550100'));
        release();
        const outcomes = await Promise.all([...first, ...then]);
        expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      } finally {
        release();
      }
      expect(limited.requests.slice(searches).map((request) => request.status)).toEqual([200, 200, 200, 200, 200, 200]);
    } finally {
      await limited.close();
    }
  });

  it('fails a request in flight as retryable when the thread stops, never hangs, and starts a new thread at the next call', async () => {
    const crm = await session(instanceAt('v1', 'in_ann_crash'));
    const release = hubspot.holdSearches();
    try {
      const before = hubspot.requests.length;
      const pending = crm.findContacts('+14155550100');
      await expect.poll(() => hubspot.requests.slice(before).some((request) => request.status === 0), { timeout: 30_000 }).toBe(true);
      const restarts = connectors.thread!.restarts;
      await connectors.thread!.close();
      expect(await pending).toEqual({ ok: false, error: expect.stringContaining('the CRM thread stopped'), retry: true });
      release();
      // Opened again in the new thread, with its own login: the same answer as before.
      expect(await crm.findContacts('+14155550100')).toMatchObject({ ok: true, value: [{ id: ids.jane }] });
      expect(connectors.thread!.restarts).toBe(restarts + 1);
    } finally {
      release();
    }
  });

  it("opens a saved instance's new version in the thread, and the older version's session (a write in flight) still answers", async () => {
    const older = await session(instanceAt('v1', 'in_ann_saved'));
    expect(await older.findContacts('+14155550144')).toMatchObject({ ok: true, value: [{ id: ids.ada }] });
    const newer = await session(instanceAt('v2', 'in_ann_saved'));
    expect(newer).not.toBe(older);
    expect(await newer.findContacts('+14155550144')).toMatchObject({ ok: true, value: [{ id: ids.ada }] });
    expect(await older.findContacts('+14155550144')).toMatchObject({ ok: true, value: [{ id: ids.ada }] });
  });

  it('a thread that crashes mid-call: the call fails as retryable, the crash is told (not a close), and the next call runs in a new thread, counted', async () => {
    // A thread that opens sessions, then dies (exit code 3) at its first call, as a crash would.
    const crashing = new URL(`data:text/javascript,${encodeURIComponent("import { parentPort } from 'node:worker_threads'; parentPort.on('message', (m) => { if (m.type === 'call') process.exit(3); });")}`);
    const stops: number[] = [];
    const thread = new CrmThread({ bundledDir: BUNDLED_CRM_CONNECTORS_DIR, requestTimeoutMs: 10_000 }, new RatePacer(Date.now), { onStop: (code) => stops.push(code), entry: crashing });
    const metrics = new RelayMetrics();
    metrics.crmThreadRestarts = () => thread.restarts;
    const here = openBundledCrm('hubspot', hubspot.config);
    const spec = { instanceUid: 'in_ann_crashing', source: { connector: 'hubspot' }, config: hubspot.config, defaultCountry: 'US', followUpTtlMs: 0, paced: false };
    const { session: crm } = thread.session(spec, here);
    try {
      expect(await crm.findContacts('+14155550100')).toEqual({ ok: false, error: 'the CRM thread stopped (exit code 3)', retry: true });
      expect(stops).toEqual([3]);
      expect(await crm.dispositions()).toMatchObject({ ok: false, retry: true });
      expect(stops).toEqual([3, 3]);
      expect(await metrics.render()).toMatch(/^relay_crm_thread_restarts_total 1$/m);
    } finally {
      await thread.close();
    }
    expect(stops).toEqual([3, 3]);
  });

  it('closes: the thread exits, and what a session asks afterwards is answered by a new one', async () => {
    const crm = await session();
    expect(await crm.dispositions()).toMatchObject({ ok: true });
    await connectors.close();
    expect(await crm.dispositions()).toMatchObject({ ok: true });
  });
});
