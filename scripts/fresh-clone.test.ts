import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// A fresh clone has no node_modules: each command the README gives a new user installs the
// dependencies before it needs them. `npx` (how scripts/pnpm.mjs reaches pnpm) is a stand-in here
// that records its arguments, prints progress and fails, so nothing is installed.
const root = join(import.meta.dirname, '..');
const clone = mkdtempSync(join(tmpdir(), 'pc-fresh-clone-'));
const npxLog = join(clone, 'npx.log');
cpSync(join(root, 'package.json'), join(clone, 'package.json'));
cpSync(join(root, 'pnpm-lock.yaml'), join(clone, 'pnpm-lock.yaml'));
for (const script of ['ensure-deps.mjs', 'pnpm.mjs']) cpSync(join(root, 'scripts', script), join(clone, 'scripts', script));
mkdirSync(join(clone, 'bin'));
writeFileSync(join(clone, 'bin', 'npx'), `#!/bin/sh\necho "$@" >> '${npxLog}'\necho 'Progress: resolved 1'\nexit 7\n`);
chmodSync(join(clone, 'bin', 'npx'), 0o755);
afterAll(() => rmSync(clone, { recursive: true, force: true }));

function npmRun(script: string) {
  rmSync(npxLog, { force: true });
  const run = spawnSync('npm', ['run', '-s', script, '--', '--help'], { cwd: clone, encoding: 'utf8', env: { ...process.env, PATH: `${join(clone, 'bin')}:${process.env.PATH}`, CI: '' } });
  return { status: run.status, stdout: run.stdout, npx: readFileSync(npxLog, { encoding: 'utf8', flag: 'a+' }) };
}

describe('a fresh clone with Node and npm only', () => {
  it.each(['connector', 'relay'])('npm run %s installs the dependencies first', (script) => {
    const run = npmRun(script);
    expect(run.npx).toBe('-y pnpm@10 install\n');
    expect(run.status).toBe(7);
  });

  it("keeps pnpm's progress off stdout, which belongs to the command (npm run -s connector … > request.json)", () => {
    expect(npmRun('connector').stdout).toBe('');
  });
});
