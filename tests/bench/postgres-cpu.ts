/**
 * The CPU a PostgreSQL database's sessions spent, for benches on the test server
 * (relay-server/src/testing-postgres.ts): the store's own work, which runs in the server's
 * processes, not the relay's.
 */
import { existsSync } from 'node:fs';
import { sqlOn } from '../../relay-server/src/testing-postgres.ts';
import { cpuMs } from './cpu-account.ts';

/** The server processes of the sessions on the database at `url` other than this query's own: a store's pool and its listener. */
export async function sessionPids(url: string): Promise<number[]> {
  const { rows } = await sqlOn(url, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  return rows.map((row: { pid: number }) => row.pid);
}

/** CPU ms of these processes, those gone left out (10 ms ticks: read over many calls). */
export function processesCpuMs(pids: readonly number[]): number {
  return pids.filter((pid) => existsSync(`/proc/${pid}`)).reduce((sum, pid) => sum + cpuMs(pid), 0);
}
