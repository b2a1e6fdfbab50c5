#!/usr/bin/env node
// Builds the extension for Chrome (MV3) and Firefox (MV3): extension/.output/{chrome,firefox}-mv3.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const extension = join(dirname(fileURLToPath(import.meta.url)), '..', 'extension');
const wxt = join(extension, 'node_modules', 'wxt', 'bin', 'wxt.mjs');
for (const browser of ['chrome', 'firefox']) {
  const result = spawnSync(process.execPath, [wxt, 'build', '-b', browser], { cwd: extension, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
console.log(`\nLoad ${join(extension, '.output', 'chrome-mv3')} as an unpacked extension (chrome://extensions, Developer mode).`);
