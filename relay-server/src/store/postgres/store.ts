import pg from 'pg';
import { CommitHooks } from '../commit-hooks.ts';
import type { RelayStore, RerunCause, StoreTables, StoreTx } from '../index.ts';
import { frozenInstanceWithOwner, INSTANCES_KEPT } from '../rows.ts';
import { StoreUnavailableError } from '../unavailable.ts';
import { CHANGE_DEFAULTS, ChangeListener, type ChangeListenerOptions } from './change-listener.ts';
import { redactDatabaseUrl, redactedMessage } from './database-url.ts';
import { KeptWhileNoticed } from './kept-reads.ts';
import { migrate } from './migrations.ts';
import { RoundTripFloor } from './round-trip-floor.ts';
import { PostgresTables } from './tables.ts';
import { type Queued, TransactionBatches } from './transaction-batches.ts';
import { BatchClaims, TABLE_METHODS, transactionView } from './transaction-view.ts';

export interface PostgresStoreOptions extends ChangeListenerOptions {
  /** Connections in the pool (transactions at once). */
  poolSize?: number;
  /** How long a request waits for a connection before it fails (PostgreSQL down or the pool busy). */
  connectTimeoutMs?: number;
  /** Runs of a transaction at most when it keeps conflicting with other relays. */
  maxAttempts?: number;
  /** Transactions committed together at most (`TransactionBatches`). */
  maxBatch?: number;
  /** Batches in flight at most while the database is far (`farRoundTripMs`); one while it is near. */
  farBatchesInFlight?: number;
  /** The shortest recent round trip (`RoundTripFloor`) from which the database counts as far. */
  farRoundTripMs?: number;
}

export const POSTGRES_DEFAULTS = { poolSize: 10, connectTimeoutMs: 5_000, maxAttempts: 30, maxBatch: 64, farBatchesInFlight: 2, farRoundTripMs: 3 };

/**
 * Why a transaction is run again, or undefined when it is not: it inserted a call another relay
 * inserted meanwhile (the unique (instance, call id) key: run again, it finds that call and updates
 * it), it lost a deadlock (40P01), or a serialization failure (40001, which READ COMMITTED raises
 * only in rare cases).
 */
function rerunCause(error: unknown): RerunCause | undefined {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code === '23505' && constraint === 'calls_instance_call_id') return 'same_call';
  if (code === '40P01') return 'deadlock';
  if (code === '40001') return 'serialization';
  return undefined;
}

/**
 * PostgreSQL out of reach rather than a failed statement: SQLSTATE classes 08 (connection) and
 * 57P (shut down, starting up), or no answer at all from the socket or the pool.
 */
function unreachable(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || code.startsWith('E'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message ?? '');
}

/** The writes that take more than one statement (or announce themselves): a transaction of their own when called plainly. */
const TRANSACTIONAL = new Set<keyof StoreTables>(['addAgent', 'removeAgent', 'updateAgent', 'returnAgentsDue', 'putInstance', 'deleteInstance', 'appendEvents', 'takeCrmRatePlace']);

/** BIGINT (ids, counts) as a JS number: call ids stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Opens the PostgreSQL database at `url` (migrating it under an advisory lock, so relays may start
 * together). Several relays may share it: transactions lock the rows they must have to themselves
 * (READ COMMITTED), commits that append events or change the directory NOTIFY the others. A
 * relay's transactions asked for together commit together (`TransactionBatches`).
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<RelayStore> {
  // Field by field: an option given as undefined (a caller passing its own optional setting on) keeps the default.
  const settings = {
    poolSize: options.poolSize ?? POSTGRES_DEFAULTS.poolSize,
    connectTimeoutMs: options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
    maxAttempts: options.maxAttempts ?? POSTGRES_DEFAULTS.maxAttempts,
    maxBatch: options.maxBatch ?? POSTGRES_DEFAULTS.maxBatch,
    farBatchesInFlight: options.farBatchesInFlight ?? POSTGRES_DEFAULTS.farBatchesInFlight,
    farRoundTripMs: options.farRoundTripMs ?? POSTGRES_DEFAULTS.farRoundTripMs,
    changePollMs: options.changePollMs ?? CHANGE_DEFAULTS.changePollMs,
    maxReconnectMs: options.maxReconnectMs ?? CHANGE_DEFAULTS.maxReconnectMs,
  };
  // Pipelined: a query is written without waiting for the answers before it, so a transaction's BEGIN goes out with its first statement.
  const pool = new pg.Pool({ connectionString: url, application_name: 'phone-connector relay', max: settings.poolSize, connectionTimeoutMillis: settings.connectTimeoutMs, types, pipeline: true });
  // Our own backends, so the listener can skip the notices this relay sent.
  const ownBackends = new Set<number>();
  pool.on('connect', (client) => {
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid !== undefined) ownBackends.add(pid);
    // A client in use when PostgreSQL goes away (a restart cuts its session) emits 'error' beside failing its query: the query's
    // failure is what the request answers (503); without a listener the event would end the process.
    client.on('error', () => undefined);
  });
  pool.on('remove', (client) => ownBackends.delete((client as unknown as { processID: number }).processID));
  // An idle client whose server went away (PostgreSQL restarted): the pool drops it; the next request reconnects.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw new Error(`cannot open the PostgreSQL store at ${redactDatabaseUrl(url)}: ${redactedMessage(error, url)}`);
  }

  const direct = new PostgresTables(pool, false);
  // The webhook guard's read. An unknown uid is not kept: anyone can post to any address, and the known ones must stay.
  const instancesWithOwner = new KeptWhileNoticed(INSTANCES_KEPT, async (uid: string) => {
    const found = await direct.instanceWithOwner(uid);
    return found && frozenInstanceWithOwner(found);
  });
  const listener = new ChangeListener(url, types, ownBackends, settings, instancesWithOwner);
  let closed = false;

  /** Errors that say PostgreSQL is out of reach become `StoreUnavailableError` (503), with the password masked. */
  async function reaching<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (unreachable(error)) throw new StoreUnavailableError(`PostgreSQL is unavailable: ${redactedMessage(error, url)}`, { cause: error });
      throw error;
    }
  }

  const stats = { transactions: 0, reruns: { same_call: 0, deadlock: 0, serialization: 0 } satisfies Record<RerunCause, number> };
  const roundTrips = new RoundTripFloor();

  /**
   * Opens a transaction, not awaited (the work's first statements leave with it: answered after
   * it, so a failed BEGIN fails them too), and times BEGIN's answer for `roundTrips`.
   */
  function begin(tables: PostgresTables): Promise<unknown> {
    const sentAt = performance.now();
    const begun = tables.begin();
    begun.then(() => roundTrips.observe(performance.now() - sentAt), () => undefined);
    return begun;
  }

  async function runTransaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        const tables = new PostgresTables(client, true);
        const hooks = new CommitHooks();
        let open = true;
        // The tables with this attempt's hooks: an attempt that runs again rolls its own back, the next registers afresh.
        const tx = transactionView(tables, (committed, rolledBack) => {
          if (!open) throw new Error('store: afterCommit was called through a transaction that has ended');
          hooks.add(committed, rolledBack);
        });
        try {
          // READ COMMITTED, not SERIALIZABLE: the call row (and its outbox row) is locked where it is
          // read, the agent rows where their seq moves, so only what truly collides waits, and nothing
          // reruns but the same new call inserted by two relays at once (see RelayStore.transaction).
          // Its outcome awaited once the work is done.
          const begun = begin(tables);
          const result = await work(tx);
          await begun;
          await tables.settled();
          open = false;
          // Sent now unless the work's last statement had it sent behind it (`appendEvents`' `last`).
          await tables.commit();
          tables.end();
          if (tables.notices.has('directory')) instancesWithOwner.forget();
          hooks.committed();
          return result;
        } catch (error) {
          tables.end();
          open = false;
          hooks.rolledBack();
          await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
          const cause = rerunCause(error);
          if (attempt >= settings.maxAttempts || !cause) throw error;
          stats.reruns[cause]++;
        }
      } finally {
        client.release(broken);
      }
      // A random wait that grows with each conflict, so the transactions that conflicted do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 100)));
    }
  }

  /**
   * A batch's works in one transaction on one connection, started together: their first
   * statements leave in one write behind BEGIN, their next ones in another, COMMIT behind the last
   * (issue 13). When one fails, nothing of the batch commits, and each work runs again alone: the
   * one that failed fails again by itself, the others commit. Not a savepoint each: a savepoint
   * that writes takes a subtransaction id of its own, more work for PostgreSQL on every webhook to
   * save a rerun on the rare one that fails.
   */
  async function runBatch(batch: Queued[]): Promise<void> {
    const client = await pool.connect().catch((error: unknown) => {
      for (const queued of batch) queued.reject(error);
    });
    if (!client) return;
    let broken: Error | undefined;
    const tables = new PostgresTables(client, true, batch.length);
    const claims = new BatchClaims();
    let open = true;
    const begun = begin(tables);
    const outcomes = batch.map(async ({ work }) => {
      const hooks = new CommitHooks();
      let sentLast = false;
      const tx = transactionView(
        tables,
        (committed, rolledBack) => {
          if (!open) throw new Error('store: afterCommit was called through a transaction that has ended');
          hooks.add(committed, rolledBack);
        },
        { claims, sentLast: () => (sentLast = true) },
      );
      try {
        const value = await work(tx);
        // A work that ended without sending its last statement as such sends nothing more either.
        if (!sentLast) tables.workSentLast();
        return { ok: true as const, value, hooks };
      } catch (error) {
        tables.abandon(error);
        return { ok: false as const, error, hooks };
      }
    });
    const settled = await Promise.all(outcomes);
    open = false;
    // A work that failed before its last statement keeps COMMIT from being sent: the batch rolls back.
    let failure: { error: unknown } | undefined = settled.find((outcome) => !outcome.ok);
    if (!failure || tables.commitSent) {
      try {
        await begun;
        await tables.settled();
        await tables.commit();
        failure = undefined;
      } catch (error) {
        failure ??= { error };
      }
    }
    const committed = !failure;
    tables.end();
    if (!committed) await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    client.release(broken);
    if (committed && tables.notices.has('directory')) instancesWithOwner.forget();
    // Each of its works runs again, as a transaction that lost a deadlock would.
    const cause = failure && rerunCause(failure.error);
    if (cause) stats.reruns[cause] += batch.length;
    for (const [i, outcome] of settled.entries()) {
      const { resolve, reject, work } = batch[i]!;
      if (!committed) {
        outcome.hooks.rolledBack();
        runTransaction(work).then(resolve, reject);
      } else if (outcome.ok) {
        outcome.hooks.committed();
        resolve(outcome.value);
      } else {
        outcome.hooks.rolledBack();
        reject(outcome.error);
      }
    }
  }

  // A second batch begun while the first's round trips are out, where they are long: its reads, inserts and links
  // go out meanwhile; its append waits in PostgreSQL for the first's agents' rows, so seqs still commit in order.
  const inFlight = () => (roundTrips.ms >= settings.farRoundTripMs ? settings.farBatchesInFlight : 1);
  const batches = new TransactionBatches(settings.maxBatch, inFlight, ({ work, resolve, reject }) => runTransaction(work).then(resolve, reject), runBatch);

  const transaction = <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('the store is closed'));
    stats.transactions++;
    return reaching(() => batches.run(work));
  };

  /** A read or write of one statement, outside any transaction. */
  const single = <T>(operation: () => Promise<T>): Promise<T> => (closed ? Promise.reject(new Error('the store is closed')) : reaching(operation));

  const plain = Object.fromEntries(
    TABLE_METHODS.map((name) => [
      name,
      TRANSACTIONAL.has(name)
        ? (...args: unknown[]) => transaction((tx) => (tx[name] as (...a: unknown[]) => Promise<unknown>)(...args))
        : (...args: unknown[]) => single(() => (direct[name] as (...a: unknown[]) => Promise<unknown>)(...args)),
    ]),
  ) as unknown as StoreTables;

  return {
    ...plain,
    instanceWithOwner: (uid) => single(() => instancesWithOwner.read(uid)),
    kind: 'postgres',
    shared: true,
    transaction,
    transactionStats: () => ({ transactions: stats.transactions, reruns: { ...stats.reruns }, batches: { roundTripFloorMs: roundTrips.ms, inFlight: inFlight() } }),
    onChangeElsewhere: (listen, heard) => listener.listen(listen, heard),
    async close() {
      if (closed) return;
      closed = true;
      await listener.stop();
      await pool.end();
    },
  };
}
