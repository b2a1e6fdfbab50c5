/**
 * The outbox of two relays on one PostgreSQL database: a backlog each drains with the other, its
 * due loop claiming in the transactions that land its rows (issue 10).
 */
import type { Contact } from '@phone-connector/shared';
import { afterEach, expect, it, vi } from 'vitest';
import type { RelayStore, StoreTx } from '../store/index.ts';
import { openPostgresStore } from '../store/postgres/store.ts';
import { freshDatabase } from '../testing-postgres.ts';
import { crmTestRelay } from '../testing.ts';
import { CrmOutboxWorker, OUTBOX_DEFAULTS } from './outbox-worker.ts';

const GRACE: Contact = { id: '12x1', name: 'Grace Hopper', company: 'Navy', url: 'https://crm.example.test/contacts/12x1' };
const CALLER = '+14155550199';
const WAIT = { timeout: 20_000, interval: 10 };

const stores: RelayStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

it('drains one backlog from two relays on one database: each row claimed by one relay, each call logged once', async () => {
  const url = await freshDatabase();
  const [storeA, storeB] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
  stores.push(storeA!, storeB!);
  const relay = await crmTestRelay({ store: storeA, outbox: { batch: 2 } });
  relay.crm.contacts.set(CALLER, [GRACE]);
  const sids = Array.from({ length: 12 }, (_, i) => `CA${i}`);
  for (const sid of sids) {
    await relay.inbound(sid, CALLER).ringing();
    await vi.waitFor(() => expect(relay.pushed(sid).length).toBeGreaterThan(0), WAIT);
    expect((await relay.inbound(sid, CALLER).completed()).status).toBe(200);
  }
  // The other relay: its own store on the same database, the same CRM.
  const other = new CrmOutboxWorker({ ...relay.deps, store: storeB! }, { ...OUTBOX_DEFAULTS, batch: 2, random: () => 1 });
  // The outcomes each transaction of either relay stored.
  const transactions: number[] = [];
  for (const store of [storeA!, storeB!]) {
    const transaction = store.transaction.bind(store);
    vi.spyOn(store, 'transaction').mockImplementation((work) => {
      const at = transactions.push(0) - 1;
      return transaction((tx) => {
        // Run again after a conflict with the other relay: what the rolled-back run stored is gone.
        transactions[at] = 0;
        return work(
          Object.assign(Object.create(tx) as StoreTx, {
            setCallCrmLog: (...args: Parameters<StoreTx['setCallCrmLog']>) => {
              transactions[at]! += 1;
              return tx.setCallCrmLog(...args);
            },
          }),
        );
      });
    });
  }
  const ran = await Promise.all([relay.outbox.runDue(), other.runDue()]);
  expect(ran[0]! + ran[1]!).toBe(sids.length);
  expect(relay.crm.asked('logCall')).toHaveLength(sids.length);
  expect(new Set(relay.crm.asked('logCall').map((call) => (call as { call_id: string }).call_id))).toEqual(new Set(sids));
  for (const sid of sids) expect((await relay.callOf(sid)).crm_log).toMatchObject({ state: 'logged' });
  expect((await storeA!.crmOutboxStats()).depth).toBe(0);
  // Each loop's first claim, then transactions of outcomes (one or both of a loop's rows landed together), each
  // claiming for its loop: no claim transaction after a landing.
  expect(transactions.filter((stored) => stored === 0)).toHaveLength(2);
  expect(transactions.reduce((sum, stored) => sum + stored, 0)).toBe(sids.length);
  await Promise.all([relay.outbox.stop(), other.stop()]);
});
