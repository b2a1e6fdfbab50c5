/**
 * `npx tsx tests/bench/webhook-store.ts [--calls N] [--rounds N]`: the SQLite store's CPU per
 * webhook, alone: the guard's read of the instance with its owner, then `recordCall` on a file
 * store (WAL, synced), batches of 16 new calls queued together, then their completed statuses. The process's CPU (the log's syncs in the
 * thread pool included) per transaction. A check of the store's side of the webhook's path,
 * steadier than a whole relay under load on a shared machine; not figures for the docs.
 */
import { join } from 'node:path';
import { recordCall } from '../../relay-server/src/calls/record-call.ts';
import { routeNewCall } from '../../relay-server/src/calls/routing.ts';
import { openSqliteStore } from '../../relay-server/src/store/sqlite/store.ts';
import { testRelay } from '../../relay-server/src/testing.ts';
import { tempDir } from '../relay/harness.ts';
import { ownCpuUs } from './cpu-account.ts';
import { positiveIntegerFlag } from './flags.ts';
import { inSenderBatches } from './webhook-load.ts';

const args = process.argv.slice(2);
const calls = positiveIntegerFlag(args, '--calls', 4000);
const rounds = positiveIntegerFlag(args, '--rounds', 3);
const SENDERS = 16;


for (let round = 1; round <= rounds; round++) {
  const dir = tempDir('pc-bench-webhook-store-');
  const store = openSqliteStore(join(dir.path, 'relay.db'));
  try {
    const deps = { ...testRelay().deps, store };
    const owner = await store.addAgent({ id: 'ag_owner', name: 'Owner', number: '+14155550100', email: null, admin: true, tokenHash: 'h', createdAt: new Date().toISOString() });
    const instance = await store.putInstance({ agentId: owner.id, localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: new Date().toISOString() }, { uid: 'in_bench', secret: 's' });
    const record = { call_id: '', to_number: owner.number } as Parameters<typeof routeNewCall>[1];
    const phase = async (update: (i: number) => Parameters<typeof recordCall>[1]['update']) => {
      const before = ownCpuUs();
      await inSenderBatches(calls, SENDERS, async (i) => {
        // As the webhook guard reads it, before the webhook's transaction.
        await store.instanceWithOwner(instance.uid);
        return recordCall(deps, { instance, callId: `CA${i}`, update: update(i), audience: (known, agents, at) => (known.agents.length ? Promise.resolve([]) : routeNewCall('incoming', record, owner, agents, at)) });
      });
      return Number(((ownCpuUs() - before) / calls).toFixed(1));
    };
    const newCallUs = await phase((i) => ({ direction: 'inbound', status: 'ringing', status_raw: 'ringing', from_number: `+1415${String(5550000 + i)}`, to_number: owner.number }));
    const updateUs = await phase(() => ({ status: 'completed', status_raw: 'completed', duration: 30 }));
    console.log(JSON.stringify({ round, newCallUs, updateUs }));
  } finally {
    await store.close();
    dir.remove();
  }
}
