import { expect, it } from 'vitest';
import { freshDatabase, sqlOn } from './testing-postgres.ts';


it('gives each caller an empty database of its own on the run\'s PostgreSQL, behind a password', async () => {
  const [first, second] = await Promise.all([freshDatabase(), freshDatabase()]);
  expect(first).not.toBe(second);
  expect(new URL(first).password).toMatch(/^[0-9a-f]{24}$/);
  await sqlOn(first, 'CREATE TABLE marker (id int)');
  expect((await sqlOn(first, `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'marker'`)).rows).toEqual([{ n: 1 }]);
  expect((await sqlOn(second, `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'marker'`)).rows).toEqual([{ n: 0 }]);
  const wrong = new URL(first);
  wrong.password = 'wrong';
  await expect(sqlOn(wrong.toString(), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
});
