import type { RelayStore, StoreLocation } from './index.ts';
import { openPostgresStore, type PostgresStoreOptions } from './postgres/store.ts';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/store.ts';

export const DEFAULT_DB = './data/relay.db';

export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

/**
 * What the adapters take from the relay's settings: `changePollMs` (how often it looks for other
 * processes' commits), and PostgreSQL's `farRoundTripMs`.
 */
export type StoreOptions = SqliteStoreOptions & Pick<PostgresStoreOptions, 'farRoundTripMs'>;

/**
 * The adapter the location names: PostgreSQL for a `postgres://` URL, else SQLite. Asynchronous
 * because opening PostgreSQL connects and migrates over the network.
 */
export async function openStore(location: StoreLocation, options: StoreOptions = {}): Promise<RelayStore> {
  if (location.databaseUrl) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location.databaseUrl)?.[1]?.toLowerCase();
    if (scheme !== 'postgres' && scheme !== 'postgresql') {
      // The value may be a secret-bearing URL of another kind: name its scheme only.
      throw new StoreConfigError(`--database-url (or DATABASE_URL) must be a postgres:// URL, not ${scheme ? `a ${scheme}: one` : 'something without a scheme'}`);
    }
    return openPostgresStore(location.databaseUrl, { changePollMs: options.changePollMs, farRoundTripMs: options.farRoundTripMs });
  }
  // Its options read field by field: PostgreSQL's are ignored.
  return openSqliteStore(location.db ?? DEFAULT_DB, options);
}
