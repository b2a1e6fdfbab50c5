/**
 * The CPU a PostgreSQL database's sessions spent, for benches on the test server
 * (relay-server/src/testing-postgres.ts): the store's own work, which runs in the server's
 * processes, not the relay's.
 */
import { existsSync } from 'node:fs';
import { sqlOn } from '../../relay-server/src/testing-postgres.ts';
import { cpuMs } from './cpu-account.ts';

/** CPU ms so far of each server process of a session on the database at `url` (a store's pool and listener), this query's own left out. */
export async function sessionsCpuMs(url: string): Promise<Map<number, number>> {
  const { rows } = await sqlOn(url, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  const pids = (rows as Array<{ pid: number }>).map((row) => row.pid).filter((pid) => existsSync(`/proc/${pid}`));
  return new Map(pids.map((pid) => [pid, cpuMs(pid)]));
}

/** What the sessions spent between two readings, a session opened meanwhile counted whole (10 ms ticks: read over many calls). */
export function sessionsSpentMs(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let spent = 0;
  for (const [pid, ms] of after) spent += ms - (before.get(pid) ?? 0);
  return spent;
}
