import { describe, expect, it } from 'vitest';
import { type ChromiumHost, DEBIAN_CHROMIUM, ensureChromium } from './ensure-chromium.ts';

/** A machine with these files, root or not; apt-get installs Chromium unless told to fail. */
function machine(options: { files?: string[]; root?: boolean; env?: NodeJS.ProcessEnv; failing?: string } = {}) {
  const files = new Set(options.files ?? []);
  const apt: string[][] = [];
  const logged: string[] = [];
  const host: ChromiumHost = {
    env: options.env ?? {},
    exists: (path) => files.has(path),
    isRoot: () => options.root ?? false,
    aptGet: (args) => {
      apt.push(args);
      if (args[0] === options.failing) return 100;
      if (args[0] === 'install') files.add(DEBIAN_CHROMIUM);
      return 0;
    },
    log: (message) => logged.push(message),
  };
  return { host, apt, logged };
}

const APT = '/usr/bin/apt-get';

describe('ensureChromium', () => {
  it("uses Debian's Chromium when it is there, installing nothing", () => {
    const { host, apt } = machine({ files: [DEBIAN_CHROMIUM, APT], root: true });
    expect(ensureChromium(host)).toBe(DEBIAN_CHROMIUM);
    expect(apt).toEqual([]);
  });

  it('uses CHROMIUM_PATH when set, and says so when it points nowhere', () => {
    const present = machine({ files: ['/opt/chrome/chrome'], env: { CHROMIUM_PATH: '/opt/chrome/chrome' }, root: true });
    expect(ensureChromium(present.host)).toBe('/opt/chrome/chrome');
    const missing = machine({ files: [APT], env: { CHROMIUM_PATH: '/opt/nothing' }, root: true });
    expect(() => ensureChromium(missing.host)).toThrow('CHROMIUM_PATH is /opt/nothing, which does not exist');
    expect([...present.apt, ...missing.apt]).toEqual([]);
  });

  it('installs it from Debian when missing and root, telling what it does', () => {
    const { host, apt, logged } = machine({ files: [APT], root: true });
    expect(ensureChromium(host)).toBe(DEBIAN_CHROMIUM);
    expect(apt).toEqual([['update'], ['install', '-y', 'chromium']]);
    expect(logged).toEqual(['Chromium is missing: installing it from Debian (apt-get update && apt-get install -y chromium)…']);
  });

  it.each([
    ['not root', { files: [APT], root: false }],
    ['root without apt-get', { files: [], root: true }],
  ])('when %s, installs nothing and says what to install', (_, options) => {
    const { host, apt } = machine(options);
    expect(() => ensureChromium(host)).toThrow(
      "The end-to-end tests, the benchmarks and the demo run in Chromium, which is not at /usr/bin/chromium. Install it with:\n  sudo sh -c 'apt-get update && apt-get install -y chromium'\nor set CHROMIUM_PATH",
    );
    expect(apt).toEqual([]);
  });

  it('stops at the first apt-get step that fails, naming it', () => {
    const { host, apt } = machine({ files: [APT], root: true, failing: 'update' });
    expect(() => ensureChromium(host)).toThrow('apt-get update failed (exit 100); install Chromium yourself');
    expect(apt).toEqual([['update']]);
  });

  it('reports an install that left no Chromium behind', () => {
    const { host } = machine({ files: [APT], root: true });
    host.aptGet = () => 0;
    expect(() => ensureChromium(host)).toThrow('apt-get installed chromium but /usr/bin/chromium is still missing');
  });
});
