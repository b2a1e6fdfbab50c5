/**
 * What a PostgreSQL transaction's work goes through: the tables, as its `tx`.
 */
import type { AppendOptions, Call, CrmRateAsk, EventEntry, StoreTables, StoreTx } from '../index.ts';
import { callKey, PostgresTables } from './tables.ts';

/** Every method of the tables, by name. */
export const TABLE_METHODS = (Object.getOwnPropertyNames(PostgresTables.prototype) as string[]).filter(
  (name) => typeof Object.getOwnPropertyDescriptor(PostgresTables.prototype, name)!.value === 'function' && !['constructor', 'end', 'settled', 'workSentLast', 'abandon'].includes(name),
) as (keyof StoreTables)[];

/** The tables' reads of one call by its id, with where the id is among their arguments. */
const CALL_READS: readonly (readonly ['callById' | 'callFor' | 'crmWorkOf', number])[] = [
  ['callById', 0],
  ['callFor', 1],
  ['crmWorkOf', 0],
];

/**
 * A transaction's tables as one work's `tx`, with the attempt's `afterCommit`. In a batch, the
 * work's own: `claims` keeps two works from changing one call (`BatchClaims`), and `sentLast` hears of its
 * last statement (`AppendOptions.last`), which the tables count themselves.
 */
export function transactionView(tables: PostgresTables, afterCommit: StoreTx['afterCommit'], batch?: { claims: BatchClaims; sentLast: () => void }): StoreTx {
  const view: Record<string, unknown> = { afterCommit };
  for (const name of TABLE_METHODS) view[name] = (tables[name] as (...args: unknown[]) => unknown).bind(tables);
  if (batch) {
    const { claims, sentLast } = batch;
    view.appendEvents = (entries: readonly EventEntry[], call: Call, at: string, options?: AppendOptions) => {
      if (options?.last) sentLast();
      return tables.appendEvents(entries, call, at, options);
    };
    const work = Symbol('work');
    view.callByKey = async (instanceUid: string, callId: string) => {
      claims.claim(callKey(instanceUid, callId), work);
      const call = await tables.callByKey(instanceUid, callId);
      if (call) claims.claim(call.id, work);
      return call;
    };
    for (const [name, idAt] of CALL_READS) {
      const read = tables[name].bind(tables) as (...args: unknown[]) => Promise<unknown>;
      view[name] = (...args: unknown[]) => {
        claims.claim(args[idAt] as number, work);
        return read(...args);
      };
    }
    view.takeCrmRatePlace = (ask: CrmRateAsk) => {
      claims.claim(`rate places of ${ask.account}`, work);
      return tables.takeCrmRatePlace(ask);
    };
  }
  return view as unknown as StoreTx;
}

/**
 * What a batch's works read to change (a call, by key and by id; a CRM account's rate places): a
 * second work reading one fails the batch, whose works then run alone. In one transaction a lock
 * keeps no work of it out, and the second work's read, sent before the first's writes, would read
 * what the first is about to change.
 */
export class BatchClaims {
  readonly #owners = new Map<string | number, symbol>();

  claim(call: string | number, work: symbol): void {
    const owner = this.#owners.get(call);
    if (owner !== undefined && owner !== work) throw new Error('two transactions of one batch read the same call: they run alone');
    this.#owners.set(call, work);
  }
}
