import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Agent, RelayStore } from '../store/index.ts';
import { openSqliteStore } from '../store/sqlite/store.ts';
import { AwayReturnClock, readReturnTime } from './away-return.ts';

const NOW = new Date('2026-12-07T12:00:00.000Z');

describe('readReturnTime', () => {
  it('reads a time to come, within a week, as UTC ISO; says why another is none', () => {
    expect(readReturnTime('2026-12-07T13:30:00+01:00', NOW)).toEqual({ at: '2026-12-07T12:30:00.000Z' });
    expect(readReturnTime('2026-12-14T12:00:00Z', NOW)).toEqual({ at: '2026-12-14T12:00:00.000Z' });
    expect(readReturnTime('2026-12-14T12:00:01Z', NOW)).toEqual({ error: '2026-12-14T12:00:01.000Z is more than 7 days away: leave the return time out to be away until you say' });
    expect(readReturnTime('2026-12-07T12:00:00Z', NOW)).toEqual({ error: '2026-12-07T12:00:00.000Z has passed: a return time is still to come' });
    expect(readReturnTime('after lunch', NOW)).toEqual({ error: '"after lunch" is not a time: use ISO 8601, 2026-12-07T13:30:00Z' });
  });
});

describe('AwayReturnClock', () => {
  let dir: string;
  let stores: RelayStore[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'away-return-'));
    stores = [];
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = () => {
    const store = openSqliteStore(join(dir, 'relay.db'));
    stores.push(store);
    return store;
  };
  const add = (store: RelayStore, id: string) => store.addAgent({ id, name: id, number: '+14155550100', email: null, admin: false, tokenHash: `hash-${id}`, createdAt: NOW.toISOString() });

  it('makes available the agents whose return time has come, once though two relays check, and leaves the others away', async () => {
    const [one, two] = [open(), open()];
    for (const id of ['ada', 'bob', 'cy', 'dan']) await add(one, id);
    const since = '2026-12-07T11:00:00.000Z';
    await one.updateAgent('ada', { awaySince: since, awayUntil: '2026-12-07T11:59:59.999Z' });
    await one.updateAgent('bob', { awaySince: since, awayUntil: '2026-12-07T12:00:00.000Z' });
    await one.updateAgent('cy', { awaySince: since, awayUntil: '2026-12-07T12:00:00.001Z' });
    await one.updateAgent('dan', { awaySince: since, awayUntil: null });
    const told: string[] = [];
    const errors: unknown[] = [];
    const clocks = [one, two].map((store, i) => new AwayReturnClock(store, (agent: Agent) => told.push(`${i}:${agent.id}:${agent.awaySince}:${agent.awayUntil}`), (error) => errors.push(error), () => NOW));
    await Promise.all(clocks.map((clock) => clock.check()));
    expect(told.map((line) => line.slice(2)).sort()).toEqual(['ada:null:null', 'bob:null:null']);
    expect(errors).toEqual([]);
    expect((await two.listAgents()).map((a) => [a.id, a.awaySince, a.awayUntil])).toEqual([
      ['ada', null, null],
      ['bob', null, null],
      ['cy', since, '2026-12-07T12:00:00.001Z'],
      ['dan', since, null],
    ]);
    await clocks[0]!.check();
    expect(told).toHaveLength(2);
  });

  it('says what failed and goes on checking', async () => {
    const store = open();
    const errors: unknown[] = [];
    let fail = true;
    const flaky = { returnAgentsDue: (now: string) => (fail ? Promise.reject(new Error('database is locked')) : store.returnAgentsDue(now)) };
    const clock = new AwayReturnClock(flaky, () => undefined, (error) => errors.push(error), () => NOW);
    await clock.check();
    fail = false;
    await clock.check();
    expect(errors.map((error) => (error as Error).message)).toEqual(['database is locked']);
  });
});
