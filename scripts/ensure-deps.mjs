#!/usr/bin/env node
// Installs the workspace's dependencies when they are missing or older than the lockfile,
// so `npm test` and `npm start` work on a fresh clone with only Node and npm.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPnpm } from './pnpm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.modules.yaml');
const lockfile = join(root, 'pnpm-lock.yaml');

const stale = !existsSync(marker) || (existsSync(lockfile) && statSync(lockfile).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  // pnpm's progress goes to stderr: the command that follows owns stdout (`npm run -s connector … > request.json`).
  const status = runPnpm(['install', ...frozen], { cwd: root, stdio: ['inherit', process.stderr, 'inherit'] });
  if (status !== 0) process.exit(status);
}
