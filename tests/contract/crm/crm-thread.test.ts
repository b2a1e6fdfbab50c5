/**
 * The relay's CRM thread (relay-server/src/crm/crm-thread.ts) against the Vtiger and HubSpot
 * simulators over HTTP: sessions opened on the main thread, their operations run by the real
 * engine on the worker, outcomes back as data; a paced connector's requests placed by the main
 * thread; the thread killed mid-operation, then replaced; the relay's shutdown ending it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CrmSession, Fetch } from '@phone-connector/shared';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { CRM_THREAD_NAME, CrmThreadEngine } from '../../../relay-server/src/crm/crm-thread.ts';
import type { CrmConnectorPlan, CrmPace } from '../../../relay-server/src/crm/engine.ts';
import { HubSpotSimulator } from '../../simulators/crm/hubspot.ts';
import { VtigerSimulator } from '../../simulators/crm/vtiger.ts';
import { finishedCall } from './bundled-crm.ts';
import { CrmContract } from './harness.ts';

/** A wait that only ends when its condition will never hold: generous, for a busy machine (the thread's first start compiles the engine). */
const WAIT = { timeout: 30_000, interval: 20 };

/** The main thread sends nothing: every request must come from the CRM thread. */
const mainThreadFetch: Fetch = () => Promise.reject(new Error('a CRM request was sent from the main thread'));

let vtiger: VtigerSimulator;
let engine: CrmThreadEngine;

beforeAll(async () => {
  vtiger = await VtigerSimulator.start();
});
afterAll(() => vtiger.close());
afterEach(() => engine.close());

/** A bundled connector compiled on the main thread, as the relay loads it. */
function load(id: 'vtiger' | 'hubspot'): CrmConnectorPlan {
  return engine.load(readFileSync(join(import.meta.dirname, '../../../connectors/crm', `${id}.xml`), 'utf8'), `connectors/crm/${id}.xml`).plan!;
}

function open(id: 'vtiger' | 'hubspot', config: Record<string, string>, pace?: CrmPace, plan = load(id)): CrmSession {
  return engine.open(plan, { config, fetch: mainThreadFetch, defaultCountry: 'US', pace });
}

it('looks a caller up, logs the call and updates the log, from the CRM thread', async () => {
  engine = new CrmThreadEngine();
  const [id] = vtiger.seed([{ firstName: 'Jane', lastName: 'Thread', company: 'Acme', phones: ['(415) 555-0161'] }]);
  const session = open('vtiger', vtiger.config);
  expect(session).toMatchObject({ name: 'Vtiger CRM', canUpdate: true });
  expect(session.newContactUrl('+14155550161')).toBe(`${vtiger.url}/index.php?module=Contacts&view=Edit&phone=%2B14155550161`);
  expect(await session.findContacts('+14155550161')).toMatchObject({ ok: true, value: [{ id, name: 'Jane Thread', company: 'Acme' }] });
  const before = vtiger.activities().length;
  const logged = await session.logCall(finishedCall({ customer_number: '+14155550161', contact_id: id! }));
  expect(logged).toMatchObject({ ok: true, value: { id: expect.any(String) } });
  expect(vtiger.activities()).toHaveLength(before + 1);
  const recordId = (logged as { value: { id: string } }).value.id;
  expect(await session.updateCall(recordId, finishedCall({ customer_number: '+14155550161', contact_id: id!, notes: 'Wants a call back on Friday' }))).toMatchObject({ ok: true });
  expect(JSON.stringify(vtiger.activities().find((a) => a.id === recordId)?.fields)).toContain('Wants a call back on Friday');
  expect(engine.starts).toBe(1);
});

it('names its thread, so that per-thread CPU (top, /proc, the benches) shows it apart', async () => {
  const named = () => readdirSync('/proc/self/task').filter((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === CRM_THREAD_NAME).length;
  const before = named();
  engine = new CrmThreadEngine();
  await engine.start();
  expect(named()).toBe(before + 1);
});

it("gives the CRM's own message when it refuses, and no secret", async () => {
  engine = new CrmThreadEngine();
  const session = open('vtiger', { ...vtiger.config, accesskey: 'not-the-access-key' });
  const outcome = await session.logCall(finishedCall());
  expect(outcome).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('Invalid username or password') });
  expect(JSON.stringify(outcome)).not.toContain('not-the-access-key');
});

it('fails an operation in flight as worth retrying when the thread dies, and runs the next one on a new thread with the session opened again', async () => {
  const stops: unknown[] = [];
  engine = new CrmThreadEngine(undefined, (stop) => stops.push(stop));
  vtiger.seed([{ firstName: 'Kim', lastName: 'Crash', phones: ['+1 415 555 0162'] }]);
  const session = open('vtiger', vtiger.config);
  const release = vtiger.holdSearches();
  const searches = vtiger.requests.length;
  const lookup = session.findContacts('+14155550162');
  // The search has reached the CRM and waits there for its answer.
  await vi.waitFor(() => expect(vtiger.requests.slice(searches).some((r) => r.status === 0)).toBe(true), WAIT);
  await engine.terminateThread();
  expect(await lookup).toEqual({ ok: false, retry: true, error: expect.stringContaining('the CRM thread stopped') });
  release();
  expect(await session.findContacts('+14155550162')).toMatchObject({ ok: true, value: [{ name: 'Kim Crash' }] });
  expect(engine.starts).toBe(2);
  // The relay's log is told of the crash (exit code 1: terminated), with nothing of the request.
  expect(stops).toEqual([{ exitCode: 1 }]);
});

it("asks the main thread for each paced request's place and says when it ended", async () => {
  engine = new CrmThreadEngine();
  const hubspot = await HubSpotSimulator.start();
  try {
    const placed: Array<string | undefined> = [];
    const ended: Array<string | undefined> = [];
    const session = open('hubspot', hubspot.config, async (operation) => {
      placed.push(operation);
      return () => ended.push(operation);
    });
    expect(await session.findContacts('+14155550163')).toEqual({ ok: true, value: [] });
    expect(placed).toContain('find_contact');
    expect(placed).toHaveLength(hubspot.requests.length);
    expect(ended).toEqual(placed);
  } finally {
    await hubspot.close();
  }
});

it('compiles each connector text once for all the sessions opened on it, and drops it with the last of them', async () => {
  engine = new CrmThreadEngine();
  const first = open('vtiger', vtiger.config);
  const second = open('vtiger', { ...vtiger.config, username: 'another' });
  const hubspot = open('hubspot', { token: 'pat-test' });
  // Both Vtiger sessions answer on the one plan, each with its own config.
  expect(await first.dispositions()).toMatchObject({ ok: true });
  expect(await second.dispositions()).toMatchObject({ ok: true });
  expect(await engine.compiledPlans()).toBe(2);
  engine.release(first);
  expect(await engine.compiledPlans()).toBe(2);
  engine.release(second);
  expect(await engine.compiledPlans()).toBe(1);
  engine.release(hubspot);
  expect(await engine.compiledPlans()).toBe(0);
});

it('compiles a connector it is told to prepare before any session opens on it, keeps it past its sessions, and compiles it again in a new thread', async () => {
  engine = new CrmThreadEngine();
  const vtigerPlan = load('vtiger');
  engine.prepare(vtigerPlan);
  engine.prepare(vtigerPlan);
  await engine.start();
  expect(await engine.compiledPlans()).toBe(1);
  const session = open('vtiger', vtiger.config, undefined, vtigerPlan);
  expect(await session.dispositions()).toMatchObject({ ok: true });
  expect(await engine.compiledPlans()).toBe(1);
  engine.release(session);
  expect(await engine.compiledPlans()).toBe(1);
  await engine.terminateThread();
  await engine.start();
  expect(engine.starts).toBe(2);
  expect(await engine.compiledPlans()).toBe(1);
});

it('closes a released session in the thread (its instance changed): nothing runs on it there any more', async () => {
  engine = new CrmThreadEngine();
  const session = open('vtiger', vtiger.config);
  expect(await session.dispositions()).toMatchObject({ ok: true });
  engine.release(session);
  // Worth trying again: the outbox's next attempt asks for the instance's current session.
  expect(await session.dispositions()).toEqual({ ok: false, retry: true, error: 'the CRM session is not open on the CRM thread' });
});

it('ends the thread when the relay stops: what comes after fails as worth retrying', async () => {
  const stops: unknown[] = [];
  engine = new CrmThreadEngine(undefined, (stop) => stops.push(stop));
  const session = open('vtiger', vtiger.config);
  expect(await session.dispositions()).toMatchObject({ ok: true });
  await engine.close();
  expect(await session.findContacts('+14155550164')).toEqual({ ok: false, retry: true, error: 'the relay is stopping' });
  expect(engine.starts).toBe(1);
  // A stop asked for is no crash: nothing for the log.
  expect(stops).toEqual([]);
});

it('a relay process whose CRM thread runs stops on SIGTERM, its thread with it', async () => {
  const c = await CrmContract.start({ connector: 'vtiger', start: () => VtigerSimulator.start(), read: () => ({ customerNumber: null, contactIds: [], text: '', owner: null }), secrets: () => [] });
  try {
    c.crm.seed([{ firstName: 'Lou', lastName: 'Stop', phones: ['+1 415 555 0165'] }]);
    const call = await c.ring('+14155550165');
    // The caller named: the relay's CRM thread looked them up.
    await c.pushed(call.sid, (view) => view.contact?.name === 'Lou Stop');
    expect(await c.relay.process.stop('SIGTERM')).toBe(0);
  } finally {
    await c.close();
  }
});
