/**
 * `npx tsx tests/bench/fan-out-commit.ts [--agents N] [--calls N] [--store sqlite|postgres]`: what
 * the store's commit of one incoming call routed to every agent writes, after `--calls` such calls
 * of history (issue 13). Bytes above all: the one fan-out figure a loaded machine does not move;
 * the transaction's CPU beside them, to be read in pairs with the tree compared.
 *
 * SQLite (the default): the store's own migrations and statements, on a file of its own with
 * checkpoints left to the bench (the log is emptied before each call, so its size after the commit
 * is that commit's); the transaction's CPU is its statements and COMMIT, synchronous=NORMAL as the
 * relay commits. PostgreSQL: the store itself on a fresh database of a test server started here
 * (fsync off, as the tests run it), one connection; the log is the WAL the commit wrote, the CPU
 * the server session's (where the statements run) and the bench's own (the driver), the wall time
 * the transaction's round trips; then the link tables' rows and size after the calls.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken, randomId } from '../../relay-server/src/auth/token.ts';
import { mergeCall } from '../../relay-server/src/calls/merge.ts';
import { openPostgresStore } from '../../relay-server/src/store/postgres/store.ts';
import { MIGRATIONS } from '../../relay-server/src/store/sqlite/migrations.ts';
import { SqliteTables } from '../../relay-server/src/store/sqlite/tables.ts';
import { freshDatabase, sqlOn, startTestPostgres } from '../../relay-server/src/testing-postgres.ts';
import { REPO_ROOT } from '../relay/harness.ts';
import { median } from './relay-crm.ts';
import { positiveIntegerFlag, storeFlag } from './flags.ts';
import { sessionsCpuMs, sessionsSpentMs } from './postgres-cpu.ts';

/** better-sqlite3 as the relay has it (a dependency of relay-server, not of the tests). */
type Connection = ConstructorParameters<typeof SqliteTables>[0];
const Database = createRequire(join(REPO_ROOT, 'relay-server', 'package.json'))('better-sqlite3') as new (file: string) => Connection;

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => positiveIntegerFlag(args, name, fallback);
const agents = flag('--agents', 1000);
const calls = flag('--calls', 80);
const at = new Date().toISOString();
const ids = Array.from({ length: agents }, () => randomId('ag_'));
const newAgent = (id: string, i: number) => ({ id, name: `Agent ${i}`, number: '+14155550100', email: null, admin: i === 0, tokenHash: hashToken(id), createdAt: at });
const instance = { agentId: ids[0]!, localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at };
const ringing = () => mergeCall(undefined, { direction: 'inbound', status: 'ringing', from_number: '+14155550199', to_number: '+14155550100', extra: { note: 'x'.repeat(300) } });
const tenths = (n: number) => Math.round(n * 10) / 10;

/** The link tables of either schema (the per-agent table, or the roster's three and the view): rows and size on disk, indexes included. */
const LINK_TABLES = ['call_agents', 'call_links', 'rosters', 'roster_members'];

async function postgresCommits(): Promise<void> {
  const server = await startTestPostgres();
  try {
    const url = await freshDatabase('fanout_commit', server.url);
    const store = await openPostgresStore(url, { poolSize: 1 });
    try {
      await store.transaction(async (tx) => {
        for (const [i, id] of ids.entries()) await tx.addAgent(newAgent(id, i));
        await tx.putInstance(instance, { uid: 'in_bench', secret: 'bench' });
      });
      const walLsn = async () => (await sqlOn(url, 'SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0].lsn as string;
      const walKiB: number[] = [];
      const transactionMs: number[] = [];
      let serverCpuMs = 0;
      let benchCpuMs = 0;
      for (let call = 0; call <= calls; call++) {
        const lsnBefore = await walLsn();
        const serverBefore = await sessionsCpuMs(url);
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        await store.transaction(async (tx) => {
          const id = await tx.insertCall('in_bench', `CA${call}`, ringing(), at);
          await tx.linkAgents(ids, id);
          await tx.appendEvents(ids.map((agentId) => ({ agentId, kind: 'created' as const })), (await tx.callById(id))!, at);
        });
        const wallMs = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        const serverMs = sessionsSpentMs(serverBefore, await sessionsCpuMs(url));
        const written = (await sqlOn(url, `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '${lsnBefore}')::float AS bytes`)).rows[0].bytes as number;
        if (call === 0) continue;
        walKiB.push(written / 1024);
        transactionMs.push(wallMs);
        serverCpuMs += serverMs;
        benchCpuMs += (cpu.user + cpu.system) / 1000;
      }
      const { rows } = await sqlOn(
        url,
        `SELECT c.relname AS name, c.relkind AS kind, pg_total_relation_size(c.oid)::float AS bytes FROM pg_class c
         WHERE c.relname = ANY('{${LINK_TABLES.join(',')}}') AND c.relnamespace = 'public'::regnamespace ORDER BY c.relname`,
      );
      const linkTables: Record<string, { rows: number; kiB?: number }> = {};
      for (const row of rows as Array<{ name: string; kind: string; bytes: number }>) {
        const count = (await sqlOn(url, `SELECT count(*)::int AS n FROM ${row.name}`)).rows[0].n as number;
        linkTables[row.name] = row.kind === 'v' ? { rows: count } : { rows: count, kiB: Math.round(row.bytes / 1024) };
      }
      printFigures('postgres', walKiB, {
        lastTenTransactionMs: tenths(median(transactionMs.slice(-10))),
        medianTransactionMs: tenths(median(transactionMs)),
        serverCpuMsPerCall: tenths(serverCpuMs / calls),
        benchCpuMsPerCall: tenths(benchCpuMs / calls),
        linkTables,
      });
    } finally {
      await store.close();
    }
  } finally {
    await server.stop();
  }
}

function sqliteCommits(): void {
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
    db.transaction(() => {
      ids.forEach((id, i) => tables.addAgent(newAgent(id, i)));
      tables.putInstance(instance, { uid: 'in_bench', secret: 'bench' });
    })();
    const commitKiB: number[] = [];
    const transactionCpuMs: number[] = [];
    for (let call = 0; call <= calls; call++) {
      db.pragma('wal_checkpoint(TRUNCATE)');
      const before = process.cpuUsage();
      db.transaction(() => {
        const id = tables.insertCall('in_bench', `CA${call}`, ringing(), at);
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
    printFigures('sqlite', commitKiB, { lastTenTransactionCpuMs: tenths(median(transactionCpuMs.slice(-10))) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What either store prints: the log each commit wrote (SQLite's WAL file, PostgreSQL's WAL), the first commit's and the median of the last ten, then the store's own. */
function printFigures(store: string, commitKiB: readonly number[], more: Record<string, unknown>): void {
  console.log(JSON.stringify({ store, agents, calls, firstCommitKiB: Math.round(commitKiB[0]!), lastTenMedianKiB: Math.round(median(commitKiB.slice(-10))), ...more }));
}

if (storeFlag(args) === 'postgres') await postgresCommits();
else sqliteCommits();
