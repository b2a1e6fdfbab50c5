import type { RelayStore, StoreLocation } from './index.ts';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/store.ts';

export const DEFAULT_DB = './data/relay.db';

export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

/**
 * The adapter the location names: PostgreSQL for a URL (not built yet), else SQLite. Asynchronous
 * because opening PostgreSQL connects and migrates over the network.
 */
export async function openStore(location: StoreLocation, sqlite: SqliteStoreOptions = {}): Promise<RelayStore> {
  if (location.databaseUrl) throw new StoreConfigError('PostgreSQL support is not built yet: use --db FILE (SQLite) for now');
  return openSqliteStore(location.db ?? DEFAULT_DB, sqlite);
}
