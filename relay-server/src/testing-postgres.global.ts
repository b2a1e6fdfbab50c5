/**
 * Vitest global setup: one test PostgreSQL for the whole run, its URL provided to every file
 * (`freshDatabase` in `testing-postgres.ts` reads it), stopped when the run ends.
 */
import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './testing-postgres.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestPostgres();
  project.provide('postgresUrl', server.url);
  return server.stop;
}
