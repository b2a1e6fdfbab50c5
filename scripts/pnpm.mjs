#!/usr/bin/env node
// Runs pnpm 10 on a machine that has only Node and npm: corepack cannot fetch pnpm
// everywhere we run, so we go through `npx -y pnpm@10`, which only needs the npm registry.
import { spawnSync } from 'node:child_process';

export function runPnpm(args, options = {}) {
  const result = spawnSync('npx', ['-y', 'pnpm@10', ...args], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
    ...options,
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(runPnpm(process.argv.slice(2)));
}
