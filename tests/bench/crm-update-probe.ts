/**
 * `npx tsx tests/bench/crm-update-probe.ts <other tree> [--calls N] [--rounds N] [--drain | --worker]`: the CPU of
 * `recordCall`'s thread per update webhook that ends a known call on an instance with a CRM (the scripted
 * CRM of crmTestRelay, its outbox not started: no CRM step runs), this tree's against another's
 * (a clone of main with its node_modules), alternately in one process. Each run: a file store
 * (WAL, synced), N new calls (no customer number: no lookup), then their completed statuses, 16
 * queued together as the relay's batches; the main thread's time on a core per update
 * (its schedstat: the store's fsyncs and checkpoints on other threads left out), after an uncounted run of each. A check of the update
 * webhook's own work with a CRM (issue 10), steadier than a whole relay under load on a shared
 * machine; not figures for the docs. `--drain` then has the outbox write every call's log (`runDue`,
 * as a due loop drains a burst's backlog: claims at landings, the row's reads, the scripted CRM's
 * answer, the outcomes landing together): the main thread's time per row, the CRM step's side of
 * the relay without an HTTP exchange. `--worker` instead starts the outbox before the calls, on a
 * thread that reads saturated (the turns' load at 1, each update counted in flight as the hooks'
 * middleware counts a webhook): the logs wait for the burst's end, as on a saturated relay, and
 * what the worker does meanwhile (its claims at the commits, its wakes and timers, the floor's
 * steps) counts in the updates' figure.
 */
import { join, resolve } from 'node:path';
import type { recordCall as RecordCall } from '../../relay-server/src/calls/record-call.ts';
import type { openSqliteStore as OpenSqliteStore } from '../../relay-server/src/store/sqlite/store.ts';
import type { crmTestRelay as CrmTestRelay } from '../../relay-server/src/testing.ts';
import { tempDir } from '../relay/harness.ts';
import { threadRunUs } from './cpu-account.ts';
import { otherTreeArg, positiveIntegerFlag } from './flags.ts';
import { inTurn } from './in-turn.ts';
import { median } from './relay-crm.ts';
import { inSenderBatches } from './webhook-load.ts';

const args = process.argv.slice(2);
const other = otherTreeArg(args, 'crm-update-probe.ts <other tree> [--calls N] [--rounds N] [--drain]');
const calls = positiveIntegerFlag(args, '--calls', 4000);
const rounds = positiveIntegerFlag(args, '--rounds', 5);
/** Also each call's log written by the outbox after the updates (`runDue`): the main thread per CRM step. */
const drain = args.includes('--drain');
/** The outbox started, on a saturated thread, while the updates come. */
const worker = args.includes('--worker');
if (drain && worker) throw new Error('--drain and --worker are two different runs: give one');
const SENDERS = 16;


interface Tree {
  name: string;
  recordCall: typeof RecordCall;
  openSqliteStore: typeof OpenSqliteStore;
  crmTestRelay: typeof CrmTestRelay;
}

async function tree(name: string, root: string): Promise<Tree> {
  const module = (path: string) => import(join(root, 'relay-server', 'src', path));
  return { name, recordCall: (await module('calls/record-call.ts')).recordCall, openSqliteStore: (await module('store/sqlite/store.ts')).openSqliteStore, crmTestRelay: (await module('testing.ts')).crmTestRelay };
}

/** One run's main thread per call (µs): its update, and its log's CRM step (`--drain`). */
interface Figures {
  update: number;
  step: number;
}

/** One run on a fresh store: the updates, then (`--drain`) their logs written by the outbox. */
async function run(t: Tree): Promise<Figures> {
  const dir = tempDir('pc-bench-crm-update-');
  const store = t.openSqliteStore(join(dir.path, 'relay.db'));
  try {
    const relay = await t.crmTestRelay({ store, ...(worker ? { threadLoad: { utilisation: () => 1 } } : {}) });
    const instance = (await store.instanceOf(relay.ada.id, 'main'))!;
    const owner = (await store.agentById(relay.ada.id))!;
    const { turns } = relay.deps.crm;
    if (worker) await relay.outbox.start();
    const phase = async (update: (i: number) => Parameters<typeof RecordCall>[1]['update']) => {
      const before = threadRunUs();
      await inSenderBatches(calls, SENDERS, async (i) => {
        turns.webhookStarted();
        try {
          const current = (await store.instanceWithOwner(instance.uid))!;
          return await t.recordCall(relay.deps, { instance: current.instance, callId: `CA${i}`, update: update(i), audience: (known) => Promise.resolve(known.agents.length ? [] : [owner]) });
        } finally {
          turns.webhookEnded();
        }
      });
      return (threadRunUs() - before) / calls;
    };
    await phase(() => ({ direction: 'inbound', status: 'ringing', status_raw: 'ringing', to_number: owner.number }));
    const updateUs = await phase(() => ({ status: 'completed', status_raw: 'completed', duration: 30 }));
    if (worker) await relay.outbox.stop();
    const pending = (await store.callByKey(instance.uid, `CA${calls - 1}`))?.crm_log?.state;
    if (pending !== 'pending') throw new Error(`${t.name}: the last call's log is ${pending}, not pending`);
    if (!drain) return { update: updateUs, step: 0 };
    // The outbox drains the queued rows as a due loop does after a burst: claims, reads, the scripted CRM's answer, landings.
    const before = threadRunUs();
    const ran = await relay.outbox.runDue();
    const stepUs = (threadRunUs() - before) / calls;
    const logged = (await store.callByKey(instance.uid, `CA${calls - 1}`))?.crm_log?.state;
    if (ran !== calls || logged !== 'logged' || relay.crm.asked('logCall').length !== calls) throw new Error(`${t.name}: ${ran} rows ran, ${relay.crm.asked('logCall').length} logs asked of the CRM, the last call's log ${logged}`);
    return { update: updateUs, step: stepUs };
  } finally {
    await store.close();
    dir.remove();
  }
}

const trees = [await tree('this', resolve(import.meta.dirname, '..', '..')), await tree('other', other)];
const figures: Record<string, Figures[]> = { this: [], other: [] };
// A run of each first, not counted: the first run of a tree in the process pays V8's compiling of its path.
for (const t of trees) await run(t);
const of = (name: string, figure: keyof Figures) => figures[name]!.map((run) => run[figure]);
for (let round = 1; round <= rounds; round++) {
  for (const t of inTurn(trees, round)) figures[t.name]!.push(await run(t));
  const [mine, theirs] = [figures.this!.at(-1)!, figures.other!.at(-1)!];
  console.log(`round ${round}: main thread per update (µs) this ${mine.update.toFixed(1)}, other ${theirs.update.toFixed(1)}, this / other x${(mine.update / theirs.update).toFixed(3)}`);
  if (drain) console.log(`round ${round}: main thread per CRM step (µs) this ${mine.step.toFixed(1)}, other ${theirs.step.toFixed(1)}, this / other x${(mine.step / theirs.step).toFixed(3)}`);
}
console.log(`medians: this ${median(of('this', 'update')).toFixed(1)}, other ${median(of('other', 'update')).toFixed(1)} µs per update`);
if (drain) console.log(`medians: this ${median(of('this', 'step')).toFixed(1)}, other ${median(of('other', 'step')).toFixed(1)} µs per CRM step`);
