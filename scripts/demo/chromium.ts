import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';

/**
 * Debian's Chromium, installed with apt-get when it is missing and we are root (as CI does);
 * never a browser some tool downloads for itself. Otherwise a message saying what to run.
 */
export function ensureChromium(log: (message: string) => void): void {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH is ${configured}, which does not exist`);
    return;
  }
  if (existsSync(DEBIAN_CHROMIUM)) return;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`the demo needs Chromium at ${DEBIAN_CHROMIUM}. Install it with:\n  sudo sh -c '${INSTALL}'\nor set CHROMIUM_PATH to a Chromium or Chrome binary.`);
  }
  log(`Chromium is missing: installing it from Debian (${INSTALL})…`);
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status ?? result.signal}); install Chromium yourself: ${INSTALL}`);
  }
  if (!existsSync(DEBIAN_CHROMIUM)) throw new Error(`apt-get installed chromium but ${DEBIAN_CHROMIUM} is still missing`);
}
