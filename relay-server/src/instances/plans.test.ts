import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/store.ts';
import { loadBundledConnectors } from './catalogue.ts';
import { PlanResolver } from './plans.ts';

const TWILIO_XML = readFileSync(join(import.meta.dirname, '../../../connectors/twilio.xml'), 'utf8');
const T = (minute: number) => new Date(Date.UTC(2026, 10, 30, 10, minute)).toISOString();

/** A store with Ada's instance `main`, and a resolver over it that counts its reads of connector XML. */
async function setUp() {
  const store = openSqliteStore(':memory:');
  await store.addAgent({ id: 'ada', name: 'Ada', number: '+14155550111', email: null, admin: false, tokenHash: 'h', createdAt: T(0) });
  const xmlReads: string[] = [];
  const plans = new PlanResolver(loadBundledConnectors(), {
    connectorXml: (uid) => {
      xmlReads.push(uid);
      return store.connectorXml(uid);
    },
  });
  const put = (connector: string, xml: string | null, at: string) => store.putInstance({ agentId: 'ada', localId: 'main', connector, xml, config: {}, crm: null, at }, { uid: 'in_main', secret: 's' });
  return { store, plans, xmlReads, put };
}

describe('PlanResolver', () => {
  it('compiles an instance of its own once per version, reading its XML only then', async () => {
    const { plans, xmlReads, put } = await setUp();
    const instance = await put('custom', TWILIO_XML.replace('name="Twilio"', 'name="Twilio one"'), T(1));
    const first = await plans.planFor(instance);
    expect(first?.name).toBe('Twilio one');
    for (let i = 0; i < 5; i++) expect(await plans.planFor(instance)).toBe(first);
    expect(xmlReads).toEqual(['in_main']);
  });

  it('compiles the new XML once the instance changes, whoever changed it', async () => {
    const { plans, xmlReads, put } = await setUp();
    const before = await put('custom', TWILIO_XML.replace('name="Twilio"', 'name="Twilio one"'), T(1));
    expect((await plans.planFor(before))?.name).toBe('Twilio one');
    // Another relay on the same database replaced it: nothing told this one to forget, its version tells.
    const after = await put('custom', TWILIO_XML.replace('name="Twilio"', 'name="Twilio two"'), T(2));
    expect((await plans.planFor(after))?.name).toBe('Twilio two');
    expect(await plans.planFor(after)).toBe(await plans.planFor(after));
    expect(xmlReads).toEqual(['in_main', 'in_main']);
  });

  it('compiles again after forget(), even at the same version', async () => {
    const { plans, xmlReads, put } = await setUp();
    const instance = await put('custom', TWILIO_XML, T(1));
    await plans.planFor(instance);
    plans.forget(instance.uid);
    expect((await plans.planFor(instance))?.name).toBe('Twilio');
    expect(xmlReads).toEqual(['in_main', 'in_main']);
  });

  it('takes a bundled connector from the bundle without reading any XML', async () => {
    const { plans, xmlReads, put } = await setUp();
    const instance = await put('twilio', null, T(1));
    expect(await plans.planFor(instance)).toBe(plans.bundled.get('twilio'));
    expect(xmlReads).toEqual([]);
  });

  it('has no plan for XML that no longer compiles, nor for an instance deleted meanwhile, and reads such XML once', async () => {
    const { store, plans, xmlReads, put } = await setUp();
    const broken = await put('custom', '<connector', T(1));
    expect(await plans.planFor(broken)).toBeUndefined();
    expect(await plans.planFor(broken)).toBeUndefined();
    expect(xmlReads).toHaveLength(1);
    await store.deleteInstance('ada', 'main');
    expect(await plans.planFor({ ...broken, updatedAt: T(3) })).toBeUndefined();
  });
});
