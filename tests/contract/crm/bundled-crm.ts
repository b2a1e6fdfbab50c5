/**
 * A bundled CRM connector (connectors/crm/<id>.xml) opened as the relay opens it, with real
 * fetch: the session-level contract tests drive it against a CRM simulator over HTTP.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CrmCall, type CrmConnectorPlan, type Contact, type CrmSession, loadCrmConnector, openCrmSession } from '@phone-connector/shared';
import { expect, it } from 'vitest';
import type { CrmSimulator, SeedContact } from '../../simulators/crm/crm-simulator.ts';

export function loadBundledCrm(id: string): CrmConnectorPlan {
  const file = join(import.meta.dirname, '../../../connectors/crm', `${id}.xml`);
  const { plan, diagnostics } = loadCrmConnector(readFileSync(file, 'utf8'), `${id}.xml`);
  if (!plan || diagnostics.some((d) => d.severity === 'error')) throw new Error(`${id}.xml does not load: ${JSON.stringify(diagnostics)}`);
  return plan;
}

export function openBundledCrm(id: string, config: Record<string, string>): CrmSession {
  return openCrmSession(loadBundledCrm(id), { config, fetch: (url, init) => fetch(url, init) });
}

/** The people the session tests look up: a number in each stored form, two contacts sharing one, and a deleted one. */
const SESSION_PEOPLE: SeedContact[] = [
  { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['(415) 555-0100'] },
  { firstName: 'Ravi', lastName: 'Shah', company: 'Globex', phones: ['+1 650 555 0101', '+1 415-555-0177'] },
  { firstName: 'Olu', lastName: 'Ade', phones: ['020 7946 0018'] },
  { firstName: 'Bob', lastName: 'Shared', company: 'Acme', phones: ['+1 212 555 0142'] },
  { firstName: 'Bea', lastName: 'Shared', phones: ['(212) 555-0142'] },
  { firstName: 'Gone', lastName: 'Away', phones: ['+1 303 555 0199'], deleted: true },
];

export type SessionPeople = Record<'jane' | 'ravi' | 'olu' | 'bob' | 'bea', string>;

/** Seeds SESSION_PEOPLE; their CRM ids by first name (the deleted one left out). */
export function seedSessionPeople(crm: CrmSimulator): SessionPeople {
  const [jane, ravi, olu, bob, bea] = crm.seed(SESSION_PEOPLE);
  return { jane: jane!, ravi: ravi!, olu: olu!, bob: bob!, bea: bea! };
}

/**
 * The lookups of SESSION_PEOPLE every session test makes: each stored form of a number found with
 * its name and company (`company`: what the CRM calls it; `second`: where Ravi's second phone is),
 * and both contacts that share a number. `ids` is read once the simulator is seeded.
 */
export function itFindsSessionPeople(
  open: () => CrmSession,
  contact: (id: string, name: string, company: string | null) => Contact,
  ids: () => SessionPeople,
  words: { company: string; second: string },
): void {
  it.each([
    [`(415) 555-0100, with its ${words.company}`, '+14155550100', 'jane', 'Jane Doe', 'Acme'],
    [`+1 415-555-0177 in the ${words.second}`, '+14155550177', 'ravi', 'Ravi Shah', 'Globex'],
    [`020 7946 0018, no ${words.company}`, '+442079460018', 'olu', 'Olu Ade', null],
  ] as const)('finds a number stored as %s', async (_, number, key, name, company) => {
    expect(await open().findContacts(number)).toEqual({ ok: true, value: [contact(ids()[key], name, company)] });
  });

  it('offers both contacts that share a number', async () => {
    const found = await open().findContacts('+12125550142');
    expect(found.ok && found.value.map((c) => c.id).sort()).toEqual([ids().bob, ids().bea].sort());
  });
}

/** The sample call of the docs (connectors/examples/crm-call.json), without disposition, recording or contact; tests add what they look at. */
export function finishedCall(fields: Partial<CrmCall> = {}): CrmCall {
  const sample = JSON.parse(readFileSync(join(import.meta.dirname, '../../../connectors/examples/crm-call.json'), 'utf8')) as CrmCall;
  return { ...sample, disposition: null, recording_url: null, contact_id: null, ...fields };
}

/** A 5xx on a log write, then the CRM down: both worth retrying, nothing written meanwhile; then the write goes through. */
export async function expectLogRetryableWhileFailing(crm: CrmSimulator, session: CrmSession, writes: RegExp): Promise<void> {
  const before = crm.activities().length;
  crm.failNext(1, { status: 503 }, writes);
  expect(await session.logCall(finishedCall())).toMatchObject({ ok: false, retry: true, status: 503 });
  await crm.down();
  try {
    expect(await session.logCall(finishedCall())).toMatchObject({ ok: false, retry: true, error: expect.stringContaining('could not reach') });
  } finally {
    await crm.up();
  }
  expect(crm.activities()).toHaveLength(before);
  expect(await session.logCall(finishedCall())).toMatchObject({ ok: true });
  expect(crm.activities()).toHaveLength(before + 1);
}

/** A config whose secret the CRM refuses (401): the lookup and the log both fail for good, with the CRM's `message`, and the secret is in neither. */
export async function expectRefusedCredential(id: string, config: Record<string, string>, wrong: string, message: string): Promise<void> {
  const refused = openBundledCrm(id, config);
  const found = await refused.findContacts('+14155550100');
  expect(found).toMatchObject({ ok: false, retry: false, status: 401, error: expect.stringContaining(message) });
  const logged = await refused.logCall(finishedCall());
  expect(logged).toMatchObject({ ok: false, retry: false, status: 401 });
  expect(JSON.stringify([found, logged])).not.toContain(wrong);
}
