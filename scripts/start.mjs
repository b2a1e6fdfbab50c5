#!/usr/bin/env node
// `npm start`: builds the extension (Chrome and Firefox) when it is missing or older than its
// sources, then runs the relay in the foreground. Extra arguments go to `relay start`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'extension', '.output', 'chrome-mv3', 'manifest.json');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const sources = Math.max(newest(join(root, 'extension')), newest(join(root, 'shared', 'src')), newest(join(root, 'connectors')));
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-extension.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

console.log(`
Phone Connector
  extension: load ${join(root, 'extension', '.output', 'chrome-mv3')} in chrome://extensions (Developer mode > Load unpacked)
  agents:    npm run relay -- agent add --name "Ada" --number +14155550111   (prints the agent's token once)
  relay:     starting below; set --public-url to the address your provider can reach
`);
const relay = spawn(process.execPath, [join(root, 'relay-server', 'bin.mjs'), 'start', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => relay.kill(signal));
relay.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
