/**
 * `npx tsx tests/bench/fan-out-commit.ts [--agents N] [--calls N]`: what the SQLite store's commit
 * of one incoming call routed to every agent writes to the write-ahead log, after `--calls` such
 * calls of history (issue 13). Bytes above all: the one fan-out figure a loaded machine does not
 * move; the transaction's CPU (its statements and COMMIT, synchronous=NORMAL as the relay commits)
 * beside them, to be read in pairs with the tree compared. The store's own migrations and
 * statements, on a file of its own with checkpoints left to the bench (the log is emptied before
 * each call, so its size after the commit is that commit's).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken, randomId } from '../../relay-server/src/auth/token.ts';
import { mergeCall } from '../../relay-server/src/calls/merge.ts';
import { MIGRATIONS } from '../../relay-server/src/store/sqlite/migrations.ts';
import { SqliteTables } from '../../relay-server/src/store/sqlite/tables.ts';
import { REPO_ROOT } from '../relay/harness.ts';
import { median } from './relay-crm.ts';
import { positiveIntegerFlag } from './flags.ts';

/** better-sqlite3 as the relay has it (a dependency of relay-server, not of the tests). */
type Connection = ConstructorParameters<typeof SqliteTables>[0];
const Database = createRequire(join(REPO_ROOT, 'relay-server', 'package.json'))('better-sqlite3') as new (file: string) => Connection;

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => positiveIntegerFlag(args, name, fallback);
const agents = flag('--agents', 1000);
const calls = flag('--calls', 80);

const dir = mkdtempSync(join(tmpdir(), 'pc-bench-fan-out-commit-'));
try {
  const file = join(dir, 'relay.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('synchronous = NORMAL');
  for (const migration of MIGRATIONS) db.exec(migration);
  const tables = new SqliteTables(db);
  const at = new Date().toISOString();
  const ids = Array.from({ length: agents }, () => randomId('ag_'));
  db.transaction(() => {
    ids.forEach((id, i) =>
      tables.addAgent({ id, name: `Agent ${i}`, number: '+14155550100', email: null, admin: i === 0, tokenHash: hashToken(id), createdAt: at }));
    tables.putInstance({ agentId: ids[0]!, localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at }, { uid: 'in_bench', secret: 'bench' });
  })();
  const commitKiB: number[] = [];
  const transactionCpuMs: number[] = [];
  for (let call = 0; call <= calls; call++) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const before = process.cpuUsage();
    db.transaction(() => {
      const state = mergeCall(undefined, { direction: 'inbound', status: 'ringing', from_number: '+14155550199', to_number: '+14155550100', extra: { note: 'x'.repeat(300) } });
      const id = tables.insertCall('in_bench', `CA${call}`, state, at);
      tables.linkAgents(ids, id);
      tables.appendEvents(ids.map((agentId) => ({ agentId, kind: 'created' as const })), tables.callById(id)!, at);
    })();
    const cpu = process.cpuUsage(before);
    if (call > 0) {
      commitKiB.push(statSync(`${file}-wal`).size / 1024);
      transactionCpuMs.push((cpu.user + cpu.system) / 1000);
    }
  }
  db.close();
  console.log(
    JSON.stringify({
      agents,
      calls,
      firstCommitKiB: Math.round(commitKiB[0]!),
      lastTenMedianKiB: Math.round(median(commitKiB.slice(-10))),
      lastTenTransactionCpuMs: Math.round(median(transactionCpuMs.slice(-10)) * 10) / 10,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
