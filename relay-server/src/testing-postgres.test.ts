import pg from 'pg';
import { expect, it } from 'vitest';
import { freshDatabase } from './testing-postgres.ts';

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

it('gives each caller an empty database of its own on the run\'s PostgreSQL, behind a password', async () => {
  const [first, second] = await Promise.all([freshDatabase(), freshDatabase()]);
  expect(first).not.toBe(second);
  expect(new URL(first).password).toMatch(/^[0-9a-f]{24}$/);
  await query(first, 'CREATE TABLE marker (id int)');
  expect((await query(first, `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'marker'`)).rows).toEqual([{ n: 1 }]);
  expect((await query(second, `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'marker'`)).rows).toEqual([{ n: 0 }]);
  const wrong = new URL(first);
  wrong.password = 'wrong';
  await expect(query(wrong.toString(), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
});
