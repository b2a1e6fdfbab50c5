/**
 * `npx tsx tests/bench/crm-store-probe.ts <other tree> [--calls N] [--rounds N]`: the SQLite store's
 * statements of the CRM's path, this tree's against another's (a clone of main with its
 * node_modules), alternately in one process: a lookup's `callById` then `setCallCrm`, and a call's
 * end `putCrmWork`, a CRM step's `crmWorkOf` and `agentIdsOfCall`, each in transactions of 16 (a
 * batch of the relay's), on a store file of N calls;
 * then the outbox drained as a due loop drains it, each landing's delete of its row and claim of the
 * next due row in its own transaction (one a transaction: the median landing).
 * Each statement's time inside its transaction (the median batch; the commit and its sync, alike
 * for both, left out); medians of the rounds, each round's ratio this / other. A check of the store's side of the CRM's path (issue 10),
 * steadier than a whole relay under load on a shared machine; not figures for the docs.
 */
import { join } from 'node:path';
import type { CallState } from '../../relay-server/src/calls/merge.ts';
import type { openSqliteStore as OpenSqliteStore } from '../../relay-server/src/store/sqlite/store.ts';
import type { CallCrm, CrmWork, RelayStore } from '../../relay-server/src/store/index.ts';
import { tempDir } from '../relay/harness.ts';
import { otherTreeArg, positiveIntegerFlag } from './flags.ts';
import { median } from './relay-crm.ts';
import { inTurn } from './in-turn.ts';

const args = process.argv.slice(2);
const other = otherTreeArg(args, 'crm-store-probe.ts <other tree> [--calls N] [--rounds N]');
const calls = positiveIntegerFlag(args, '--calls', 2000);
const rounds = positiveIntegerFlag(args, '--rounds', 7);
const BATCH = 16;

const trees = {
  this: (await import('../../relay-server/src/store/sqlite/store.ts')).openSqliteStore,
  other: ((await import(join(other, 'relay-server/src/store/sqlite/store.ts'))) as { openSqliteStore: typeof OpenSqliteStore }).openSqliteStore,
};

const RINGING: CallState = { direction: 'inbound', status: 'ringing', status_raw: 'ringing', from_number: null, to_number: null, user_number: null, duration: null, started_at: null, ended_at: null, recording_url: null, extra: {} };

/** A contact as a Vtiger search gives one: what a lookup stores. */
const contactOf = (i: number) => ({ id: `12x${i}`, name: `Caller ${i}`, company: `Company ${i % 50}`, url: `https://crm.example/index.php?module=Contacts&view=Detail&record=${i}`, kind: 'contact' });

async function probe(open: typeof OpenSqliteStore): Promise<Record<string, number>> {
  const dir = tempDir('pc-bench-crm-store-');
  const store: RelayStore = open(join(dir.path, 'relay.db'));
  try {
    const at = new Date().toISOString();
    const owner = await store.addAgent({ id: 'ag_owner', name: 'Owner', number: '+14155550100', email: null, admin: true, tokenHash: 'h', createdAt: at });
    const instance = await store.putInstance({ agentId: owner.id, localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at }, { uid: 'in_bench', secret: 's' });
    const ids: number[] = [];
    for (let first = 0; first < calls; first += BATCH) {
      await store.transaction(async (tx) => {
        for (let i = first; i < Math.min(calls, first + BATCH); i++) {
          const id = await tx.insertCall(instance.uid, `CA${i}`, { ...RINGING, from_number: `+1415${5550000 + i}`, to_number: owner.number }, at);
          await tx.linkAgents([owner.id], id);
          ids.push(id);
        }
      });
    }
    // Timed inside each transaction, the statements alone (its commit and sync are every statement's alike); the median batch.
    const perStatement = async (step: (tx: Parameters<Parameters<RelayStore['transaction']>[0]>[0], id: number, i: number) => Promise<unknown>) => {
      const batches: number[] = [];
      for (let first = 0; first < ids.length; first += BATCH) {
        await store.transaction(async (tx) => {
          const last = Math.min(ids.length, first + BATCH);
          const started = performance.now();
          for (let i = first; i < last; i++) await step(tx, ids[i]!, i);
          batches.push(((performance.now() - started) * 1000) / (last - first));
        });
      }
      return median(batches);
    };
    const callById = await perStatement((tx, id) => tx.callById(id));
    const setCallCrm = await perStatement((tx, id, i) => {
      const crm: CallCrm = { contact: contactOf(i), contacts: [contactOf(i)], new_contact_url: null, crm_log: null };
      return tx.setCallCrm(id, crm, at);
    });
    const putCrmWork = await perStatement((tx, id) => {
      const work: CrmWork = { callId: id, instanceUid: instance.uid, state: 'queued', dueAt: at, attempts: 0, lastError: null, again: false, uncertain: false, lease: null, createdAt: at };
      return tx.putCrmWork(work);
    });
    // A CRM step's reads of its row and of its call's agents (outbox-worker.ts `read`, then `apply` at its landing).
    const crmWorkOf = await perStatement((tx, id) => tx.crmWorkOf(id));
    const agentIdsOfCall = await perStatement((tx, id) => tx.agentIdsOfCall(id));
    // A due loop's landing (outbox-worker.ts `claimAtLanding`): its row deleted, then the next due row
    // claimed in the same transaction, one transaction each, the claim alone timed; the median landing.
    const lease = { owner: 'relay_bench', until: new Date(Date.now() + 60_000).toISOString() };
    const inFlight = await store.transaction((tx) => tx.claimDueCrmWork(at, BATCH, lease));
    const landings: number[] = [];
    const deletes: number[] = [];
    while (inFlight.length > 0) {
      const landed = inFlight.shift()!;
      inFlight.push(
        ...(await store.transaction(async (tx) => {
          const deleting = performance.now();
          await tx.deleteCrmWork(landed.callId);
          deletes.push((performance.now() - deleting) * 1000);
          const started = performance.now();
          const claimed = await tx.claimDueCrmWork(at, 1, lease, { except: [] });
          landings.push((performance.now() - started) * 1000);
          return claimed;
        })),
      );
    }
    return { callById, setCallCrm, putCrmWork, crmWorkOf, agentIdsOfCall, claimAtLanding: median(landings), deleteAtLanding: median(deletes) };
  } finally {
    await store.close();
    dir.remove();
  }
}

const runs: Record<'this' | 'other', Array<Record<string, number>>> = { this: [], other: [] };
for (let round = 1; round <= rounds; round++) {
  // Alternately first: the second of a pair runs on a warmer process.
  const order = inTurn(['this', 'other'] as const, round);
  for (const tree of order) runs[tree].push(await probe(trees[tree]));
  console.log(`round ${round}`, JSON.stringify({ this: runs.this.at(-1), other: runs.other.at(-1) }));
}
for (const key of Object.keys(runs.this[0]!)) {
  const ratios = runs.this.map((run, i) => run[key]! / runs.other[i]![key]!);
  console.log(`${key}: µs per statement, this ${median(runs.this.map((r) => r[key]!)).toFixed(1)}, other ${median(runs.other.map((r) => r[key]!)).toFixed(1)}, this / other per round ${ratios.map((r) => r.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)})`);
}
