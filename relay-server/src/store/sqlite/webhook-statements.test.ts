import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { hashToken } from '../../auth/token.ts';
import { testRelay } from '../../testing.ts';

/** better-sqlite3's statements, whose runs the test records: the SQL the relay's path really runs. */
const Statement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<'run' | 'get' | 'all', (...args: unknown[]) => unknown>;
const RUNS = ['run', 'get', 'all'] as const;
const original = Object.fromEntries(RUNS.map((name) => [name, Statement[name]]));

afterEach(() => Object.assign(Statement, original));

interface Ran {
  source: string;
  database: Database.Database;
  args: unknown[];
}

/** Every statement run while `work` runs, with what it was bound to. */
async function statementsOf(work: () => Promise<unknown>): Promise<Ran[]> {
  const ran: Ran[] = [];
  for (const name of RUNS) {
    Statement[name] = function (this: { source: string; database: Database.Database }, ...args: unknown[]) {
      ran.push({ source: this.source, database: this.database, args });
      return original[name]!.apply(this, args);
    };
  }
  try {
    await work();
  } finally {
    Object.assign(Statement, original);
  }
  return ran;
}

/** SQLite's plan for each statement, as it ran (statements without a table's plan: none). */
function plans(ran: readonly Ran[]): string[] {
  return ran
    .filter((r) => /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(r.source))
    .flatMap((r) => r.database.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${r.source}`).all(...r.args).map((row) => row.detail));
}

it("runs a new call's and its update's statements through indexes, with 10,000 agents registered: none scans a table that grows (issue 13)", async () => {
  const relay = testRelay();
  const ada = await relay.addAgent('Ada', '+14155550111', { admin: true });
  const hooks = await relay.twilioInstance(ada.token);
  const createdAt = new Date().toISOString();
  await relay.store.transaction(async (tx) => {
    for (let i = 0; i < 10_000; i++) {
      await tx.addAgent({ id: `ag_${i}`, name: `Agent ${i}`, number: `+1415600${String(i).padStart(4, '0')}`, email: null, admin: false, tokenHash: hashToken(`token ${i}`), createdAt });
    }
  });
  const incoming = { CallSid: 'CA1', From: '+14155550199', To: ada.number, CallStatus: 'ringing', Direction: 'inbound' };
  const newCall = await statementsOf(async () => expect((await relay.twilioWebhook(hooks.incoming, incoming)).status).toBe(200));
  const update = await statementsOf(async () => expect((await relay.twilioWebhook(hooks.status, { CallSid: 'CA1', CallStatus: 'completed', CallDuration: '42' })).status).toBe(200));
  expect(relay.published.map((event) => [event.agentId, event.kind])).toEqual([
    [ada.id, 'created'],
    [ada.id, 'updated'],
  ]);

  const newCallPlans = plans(newCall);
  // The call was routed by its number, through the index.
  expect(newCallPlans).toContainEqual(expect.stringMatching(/^SEARCH agents USING INDEX agents_by_number/));
  // Tables of a few rows may be scanned (the directory's version; sqlite_sequence, the calls' AUTOINCREMENT
  // counter): none that grows with agents, calls or events.
  const scans = [...newCallPlans, ...plans(update)].filter((detail) => /^SCAN /.test(detail) && !/^SCAN (directory_version|sqlite_sequence)\b/.test(detail));
  expect(scans).toEqual([]);
  await relay.store.close();
});
