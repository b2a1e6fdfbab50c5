import { type CrmEngine, crmEngine } from './crm/engine.ts';
import { isLogLevel, type LogLevel } from './log.ts';
import { DEFAULTS } from './server.ts';
import type { StoreLocation } from './store/index.ts';
import { parseProviderOrigins } from './recordings/provider-origins.ts';
import { DEFAULT_DB } from './store/open.ts';

/** A mistake in the command line or environment: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface StoreFlags {
  db?: string;
  'database-url'?: string;
}

export interface StartFlags extends StoreFlags {
  port?: string;
  host?: string;
  'public-url'?: string;
}

export interface StartConfig extends StoreLocation {
  port: number;
  host: string;
  publicUrl?: string;
  logLevel: LogLevel;
  crmWrapUpMs?: number;
  /** `CRM_THREAD=off`: the CRM connector sessions on the main thread, without the thread's memory (a relay with no CRM). */
  crmEngine?: CrmEngine;
  /** `CRM_SIGN_IN_AHEAD=off`: no CRM session signed in before its first call (a bench's baseline, issue 10). */
  crmSignInAhead?: boolean;
  /** `PG_FAR_ROUND_TRIP_MS`: the shortest recent round trip from which PostgreSQL counts as far (a second batch in flight). */
  farRoundTripMs?: number;
  /** `PROVIDER_ORIGINS`: where requests to a provider's API go instead (an egress proxy; the tests' simulators). */
  providerOrigins?: Map<string, string>;
}

type Env = Record<string, string | undefined>;

/** Where the store is: a flag wins over the environment; SQLite at ./data/relay.db otherwise. */
export function storeLocation(flags: StoreFlags, env: Env): StoreLocation {
  if (flags.db !== undefined && flags['database-url'] !== undefined) throw new UsageError('give either --db or --database-url, not both');
  if (flags.db !== undefined) return { db: flags.db };
  const databaseUrl = flags['database-url'] ?? env.DATABASE_URL;
  return databaseUrl ? { databaseUrl } : { db: DEFAULT_DB };
}

export function startConfig(flags: StartFlags, env: Env): StartConfig {
  const portText = flags.port ?? env.PORT ?? String(DEFAULTS.port);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`port "${portText}" is not a TCP port (0 to 65535; 0 picks a free one)`);
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`LOG_LEVEL "${logLevel}" is not one of debug, info, warn, error`);
  const publicUrl = flags['public-url'] ?? env.PUBLIC_URL;
  const wrapUp = env.CRM_WRAP_UP_SECONDS;
  if (wrapUp !== undefined && !(/^\d{1,5}$/.test(wrapUp) && Number(wrapUp) <= 86_400)) {
    throw new UsageError(`CRM_WRAP_UP_SECONDS "${wrapUp}" is not a number of seconds from 0 to 86400`);
  }
  const crmThread = env.CRM_THREAD ?? 'on';
  if (crmThread !== 'on' && crmThread !== 'off') throw new UsageError(`CRM_THREAD "${crmThread}" is not on or off`);
  const signInAhead = env.CRM_SIGN_IN_AHEAD ?? 'on';
  if (signInAhead !== 'on' && signInAhead !== 'off') throw new UsageError(`CRM_SIGN_IN_AHEAD "${signInAhead}" is not on or off`);
  const far = env.PG_FAR_ROUND_TRIP_MS;
  let providerOrigins: Map<string, string> | undefined;
  try {
    providerOrigins = env.PROVIDER_ORIGINS ? parseProviderOrigins(env.PROVIDER_ORIGINS) : undefined;
  } catch (error) {
    throw new UsageError(`PROVIDER_ORIGINS: ${(error as Error).message}`);
  }
  if (far !== undefined && !(/^\d{1,5}(\.\d+)?$/.test(far) && Number(far) <= 60_000)) {
    throw new UsageError(`PG_FAR_ROUND_TRIP_MS "${far}" is not a number of milliseconds from 0 to 60000`);
  }
  return {
    ...storeLocation(flags, env),
    port,
    host: flags.host ?? env.HOST ?? DEFAULTS.host,
    ...(publicUrl ? { publicUrl: normalisePublicUrl(publicUrl) } : {}),
    logLevel,
    ...(wrapUp !== undefined ? { crmWrapUpMs: Number(wrapUp) * 1000 } : {}),
    ...(crmThread === 'off' ? { crmEngine } : {}),
    ...(signInAhead === 'off' ? { crmSignInAhead: false } : {}),
    ...(far !== undefined ? { farRoundTripMs: Number(far) } : {}),
    ...(providerOrigins?.size ? { providerOrigins } : {}),
  };
}

/** `https://relay.example.com/prefix/` -> `https://relay.example.com/prefix`; rejects anything but an http(s) base URL. */
export function normalisePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`public URL "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`public URL "${text}" must be http:// or https://`);
  if (url.search || url.hash || url.username || url.password) throw new UsageError(`public URL "${text}" must not carry a query, fragment or credentials`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
