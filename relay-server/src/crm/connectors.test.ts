import { describe, expect, it } from 'vitest';
import type { Instance } from '../store/index.ts';
import { CrmConnectors } from './connectors.ts';
import { ScriptedCrm, scriptedEngine } from './scripted-crm.ts';

function instanceAt(updatedAt: string): Instance {
  return {
    uid: 'in_ada_main',
    agentId: 'ada',
    localId: 'main',
    connector: 'twilio',
    config: {},
    secret: 'secret',
    crm: { connector: 'scripted', xml: null, config: { url: 'https://crm.example.com', username: 'ada', accesskey: 'key' } },
    hours: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt,
  };
}

describe('CRM sessions', () => {
  it("asks for the owner's country only when an instance version's session opens, not on every call change (a store read in the webhook's transaction)", async () => {
    const crm = new ScriptedCrm();
    const { engine, bundled } = scriptedEngine(crm);
    const connectors = new CrmConnectors(engine, bundled);
    let asked = 0;
    const country = async () => (asked++, 'GB');
    const openedWith = () => crm.opened?.defaultCountry;
    try {
      const first = await connectors.sessionFor(instanceAt('v1'), country);
      expect(first).toBe(crm);
      expect(openedWith()).toBe('GB');
      expect(await connectors.sessionFor(instanceAt('v1'), country)).toBe(first);
      expect(asked).toBe(1);

      // A saved instance (a new version) opens a session of its own, with its owner's country read again.
      crm.opened = undefined;
      await connectors.sessionFor(instanceAt('v2'), async () => (asked++, 'US'));
      expect(openedWith()).toBe('US');
      expect(asked).toBe(2);
    } finally {
      await connectors.close();
    }
  });

  it('opens one session for callers that came at once, while the first read the country', async () => {
    const crm = new ScriptedCrm();
    let opened = 0;
    const { engine, bundled } = scriptedEngine(crm);
    const connectors = new CrmConnectors({ ...engine, open: (plan, options) => (opened++, engine.open(plan, options)) }, bundled);
    try {
      const sessions = await Promise.all([connectors.sessionFor(instanceAt('v1'), async () => 'US'), connectors.sessionFor(instanceAt('v1'), async () => 'US')]);
      expect(sessions).toEqual([crm, crm]);
      expect(opened).toBe(1);
    } finally {
      await connectors.close();
    }
  });

  it("releases an instance's session when a new version replaces it and when it is forgotten, and closes the engine with itself", async () => {
    const crm = new ScriptedCrm();
    const released: unknown[] = [];
    let closed = 0;
    const { engine, bundled } = scriptedEngine(crm);
    const connectors = new CrmConnectors({ ...engine, release: (session) => released.push(session), close: async () => void closed++ }, bundled);
    await connectors.sessionFor(instanceAt('v1'), async () => 'US');
    expect(released).toEqual([]);
    await connectors.sessionFor(instanceAt('v2'), async () => 'US');
    expect(released).toEqual([crm]);
    connectors.forget('in_ada_main');
    expect(released).toEqual([crm, crm]);
    await connectors.close();
    expect(closed).toBe(1);
  });
});
