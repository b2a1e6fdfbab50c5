/**
 * `npx tsx tests/bench/wal-bytes-probe.ts [--calls N] [--page-size N] [--history N]`: which pages the
 * relay's webhooks put into SQLite's write-ahead log (issue 13: a sync's time is the disk's, and
 * grows with the bytes it carries). The store's own path (`webhook-store.ts`: the guard's read, then
 * `recordCall`, 16 senders, one agent called, the bench's call ids), new calls then their completed
 * statuses, on a file store; a second connection holds a read transaction from before each phase, so
 * that no checkpoint copies the log and the log keeps every frame of the phase. Each frame's page is
 * then named by `dbstat` (the table or index it belongs to). With `--page-size N` the database is
 * created with that page size; with `--history N`, N new calls are recorded first, unmeasured. The
 * phase's wall time and the process's CPU per webhook (the syncs in the thread pool included) ride
 * along. A check of the store, whose figures the relay's design text quotes ("What a commit puts into
 * the write-ahead log").
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { recordCall } from '../../relay-server/src/calls/record-call.ts';
import { routeNewCall } from '../../relay-server/src/calls/routing.ts';
import { openSqliteStore } from '../../relay-server/src/store/sqlite/store.ts';
import type { SqliteTables } from '../../relay-server/src/store/sqlite/tables.ts';
import { testRelay } from '../../relay-server/src/testing.ts';
import { REPO_ROOT, tempDir } from '../relay/harness.ts';
import { ownCpuUs } from './cpu-account.ts';
import { positiveIntegerFlag } from './flags.ts';
import { benchCallSid } from './relay.ts';
import { inSenderBatches } from './webhook-load.ts';

/** better-sqlite3 as the relay has it (a dependency of relay-server, not of the tests). */
type Connection = ConstructorParameters<typeof SqliteTables>[0];
const Database = createRequire(join(REPO_ROOT, 'relay-server', 'package.json'))('better-sqlite3') as new (file: string, options?: { readonly?: boolean }) => Connection;

const args = process.argv.slice(2);
const calls = positiveIntegerFlag(args, '--calls', 4000);
const history = args.includes('--history') ? positiveIntegerFlag(args, '--history', 0) : 0;
const pageSize = args.includes('--page-size') ? positiveIntegerFlag(args, '--page-size', 4096) : undefined;
const SENDERS = 16;

/** Each frame of the log's current run (its salts the header's): the page it holds and whether it ends a commit. */
function logFrames(file: string): { pageSize: number; frames: Array<{ page: number; commit: boolean }> } {
  const log = readFileSync(file);
  const size = log.readUInt32BE(8);
  const salts = log.subarray(16, 24);
  const frames: Array<{ page: number; commit: boolean }> = [];
  for (let at = 32; at + 24 + size <= log.length; at += 24 + size) {
    if (!log.subarray(at + 8, at + 16).equals(salts)) break;
    frames.push({ page: log.readUInt32BE(at), commit: log.readUInt32BE(at + 4) !== 0 });
  }
  return { pageSize: size, frames };
}

const dir = tempDir('pc-bench-wal-bytes-');
const file = join(dir.path, 'relay.db');
try {
  if (pageSize) {
    const db = new Database(file);
    db.pragma(`page_size = ${pageSize}`);
    db.pragma('journal_mode = WAL');
    db.close();
  }
  const store = openSqliteStore(file);
  const deps = { ...testRelay().deps, store };
  const owner = await store.addAgent({ id: 'ag_owner', name: 'Owner', number: '+14155550100', email: null, admin: true, tokenHash: 'h', createdAt: new Date().toISOString() });
  const instance = await store.putInstance({ agentId: owner.id, localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: new Date().toISOString() }, { uid: 'in_bench', secret: 's' });
  const record = { call_id: '', to_number: owner.number } as Parameters<typeof routeNewCall>[1];
  const reader = new Database(file, { readonly: true });
  const phase = async (name: string, update: (i: number) => Parameters<typeof recordCall>[1]['update']) => {
    // The reader's snapshot keeps every frame written after it from being checkpointed and overwritten.
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM sqlite_schema').get();
    const before = logFrames(`${file}-wal`).frames.length;
    const cpuBefore = ownCpuUs();
    const startedAt = performance.now();
    await inSenderBatches(calls, SENDERS, async (i) => {
      await store.instanceWithOwner(instance.uid);
      return recordCall(deps, { instance, callId: benchCallSid(i), update: update(i), audience: (known, agents, at) => (known.agents.length ? Promise.resolve([]) : routeNewCall('incoming', record, owner, agents, at)) });
    });
    const wallUsPerWebhook = Number((((performance.now() - startedAt) * 1000) / calls).toFixed(1));
    const cpuUsPerWebhook = Number(((ownCpuUs() - cpuBefore) / calls).toFixed(1));
    const { pageSize: size, frames } = logFrames(`${file}-wal`);
    reader.exec('COMMIT');
    const mine = frames.slice(before);
    const names = new Map((reader.prepare('SELECT pageno, name FROM dbstat').all() as Array<{ pageno: number; name: string }>).map((row) => [row.pageno, row.name]));
    const byName = new Map<string, number>();
    for (const frame of mine) byName.set(names.get(frame.page) ?? '(free or new)', (byName.get(names.get(frame.page) ?? '(free or new)') ?? 0) + 1);
    const commits = mine.filter((frame) => frame.commit).length;
    console.log(
      JSON.stringify({
        phase: name,
        pageSize: size,
        webhooks: calls,
        history,
        wallUsPerWebhook,
        cpuUsPerWebhook,
        commits,
        webhooksPerCommit: Number((calls / commits).toFixed(1)),
        framesPerWebhook: Number((mine.length / calls).toFixed(3)),
        logBytesPerWebhook: Math.round((mine.length * (size + 24)) / calls),
        logBytesPerCommit: Math.round((mine.length * (size + 24)) / commits),
        framesPerCommitByObject: Object.fromEntries([...byName].sort((a, b) => b[1] - a[1]).map(([n, count]) => [n, Number((count / commits).toFixed(2))])),
      }),
    );
  };
  const ringing = (i: number): Parameters<typeof recordCall>[1]['update'] => ({ direction: 'inbound', status: 'ringing', status_raw: 'ringing', from_number: `+1415${String(5550000 + i)}`, to_number: owner.number });
  // As a relay that has run a while: its calls' unique index spans that many more pages.
  await inSenderBatches(history, SENDERS, (i) => recordCall(deps, { instance, callId: benchCallSid(calls + i), update: ringing(i), audience: (_, agents, at) => routeNewCall('incoming', record, owner, agents, at) }));
  await phase('newCalls', ringing);
  await phase('updates', () => ({ status: 'completed', status_raw: 'completed', duration: 30 }));
  reader.close();
  await store.close();
} finally {
  dir.remove();
}
