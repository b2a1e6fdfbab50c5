import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dropDatabase, freshDatabase, sqlOn, startTestPostgres, type TestPostgres } from '../../testing-postgres.ts';
import { describeStoreContract } from '../contract.ts';
import type { ChangeElsewhere } from '../index.ts';
import { StoreUnavailableError } from '../unavailable.ts';
import { MIGRATIONS } from './migrations.ts';
import { openPostgresStore } from './store.ts';

const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();
describeStoreContract('PostgreSQL', async () => {
  const url = await freshDatabase();
  return { open: () => openPostgresStore(url), drop: () => dropDatabase(url) };
});

const ada = { id: 'ada', name: 'Ada', number: '+14155550111', email: null, admin: false, tokenHash: 'hash-ada', createdAt: T(0) };


describe('opening a PostgreSQL store', () => {
  it('migrates once, and refuses a database newer than the relay', async () => {
    const url = await freshDatabase();
    await (await openPostgresStore(url)).close();
    const reopened = await openPostgresStore(url);
    await reopened.addAgent(ada);
    await reopened.close();
    expect((await sqlOn(url, 'SELECT version FROM relay_schema')).rows).toEqual([{ version: MIGRATIONS.length }]);
    await sqlOn(url, `UPDATE relay_schema SET version = ${MIGRATIONS.length + 1}`);
    await expect(openPostgresStore(url)).rejects.toThrow(/newer than this relay/);
  });

  it('names the database but never its password when it cannot open', async () => {
    const url = new URL(await freshDatabase());
    const password = url.password;
    url.password = `${password}-wrong`;
    const error = await openPostgresStore(url.toString()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/cannot open the PostgreSQL store at postgres:\/\/relay:\*\*\*@127\.0\.0\.1:\d+\/relay_\w+: password authentication failed/);
    expect(error?.message).not.toContain(password);
  });
});

describe('a PostgreSQL store while its server restarts', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(() => server?.stop());

  it('fails requests as unavailable while the server is down, and recovers, LISTEN included', async () => {
    const store = await openPostgresStore(server.url, { connectTimeoutMs: 1_000, maxReconnectMs: 200, changePollMs: 3_600_000 });
    const heard: ChangeElsewhere[] = [];
    store.onChangeElsewhere((change) => heard.push(change));
    try {
      await store.addAgent(ada);
      await server.halt();
      const error = await store.agentById('ada').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error?.message).not.toContain(new URL(server.url).password);
      await expect(store.transaction((tx) => tx.listAgents())).rejects.toBeInstanceOf(StoreUnavailableError);
      await server.resume();
      await vi.waitFor(async () => expect(await store.agentById('ada')).toMatchObject({ id: 'ada' }), { timeout: 20_000, interval: 100 });
      // Reconnected: notices sent while it was away are lost, so it says everything may have changed.
      await vi.waitFor(() => expect(heard).toContainEqual({ events: true, directory: true }), { timeout: 20_000 });
      heard.length = 0;
      const other = await openPostgresStore(server.url);
      await other.removeAgent('ada');
      await other.close();
      await vi.waitFor(() => expect(heard).toContainEqual({ events: false, directory: true }), { timeout: 20_000 });
    } finally {
      await store.close();
    }
  });
});
