import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';

/** What the decision depends on and what it does; the real machine unless a test says otherwise. */
export interface ChromiumHost {
  env: NodeJS.ProcessEnv;
  exists(path: string): boolean;
  isRoot(): boolean;
  /** Runs `apt-get` with these arguments, its output shown; returns its exit status (or signal). */
  aptGet(args: string[]): number | NodeJS.Signals | null;
  log(message: string): void;
}

const machine: ChromiumHost = {
  env: process.env,
  exists: existsSync,
  isRoot: () => process.getuid?.() === 0,
  aptGet: (args) => {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return result.status ?? result.signal;
  },
  log: (message) => console.log(message),
};

/**
 * The browser the end-to-end tests, the benchmarks and the demo drive, as a path:
 * `CHROMIUM_PATH` when set, else Debian's Chromium, installed with apt-get when it is missing
 * and we are root (CI, a fresh container); never a browser some tool downloads for itself.
 * Otherwise an error that says what to install.
 */
export function ensureChromium(host: Partial<ChromiumHost> = {}): string {
  const { env, exists, isRoot, aptGet, log } = { ...machine, ...host };
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!exists(configured)) throw new Error(`CHROMIUM_PATH is ${configured}, which does not exist`);
    return configured;
  }
  if (exists(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  if (!isRoot() || !exists('/usr/bin/apt-get')) {
    throw new Error(`The end-to-end tests, the benchmarks and the demo run in Chromium, which is not at ${DEBIAN_CHROMIUM}. Install it with:\n  sudo sh -c '${INSTALL}'\nor set CHROMIUM_PATH to a Chromium or Chrome binary.`);
  }
  log(`Chromium is missing: installing it from Debian (${INSTALL})…`);
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    const status = aptGet(args);
    if (status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${status}); install Chromium yourself: ${INSTALL}`);
  }
  if (!exists(DEBIAN_CHROMIUM)) throw new Error(`apt-get installed chromium but ${DEBIAN_CHROMIUM} is still missing`);
  return DEBIAN_CHROMIUM;
}
