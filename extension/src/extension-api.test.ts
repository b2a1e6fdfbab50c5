import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../wxt.config.ts';

const extensionDir = join(import.meta.dirname, '..');

/** Our TypeScript sources, tests included; the fake that stands in for the polyfill in tests is not one. */
function sources(): Array<{ file: string; text: string }> {
  const found: Array<{ file: string; text: string }> = [];
  for (const dir of ['src', 'entrypoints']) {
    for (const entry of readdirSync(join(extensionDir, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
      const file = relative(extensionDir, join(entry.parentPath, entry.name));
      if (file === join('src', 'testing', 'fake-polyfill.ts')) continue;
      found.push({ file, text: readFileSync(join(extensionDir, file), 'utf8') });
    }
  }
  return found;
}

describe('the extension API', () => {
  it('is reached through webextension-polyfill only, in the code and in its tests', () => {
    const files = sources();
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap(({ file, text }) => {
      const problems: string[] = [];
      if (/from\s+['"](?:wxt\/browser|@wxt-dev\/browser)['"]/.test(text)) problems.push(`${file}: imports wxt/browser`);
      if (/(?<![\w.])chrome\.[a-z]/.test(text)) problems.push(`${file}: uses the chrome global`);
      // Tests use WXT's fake browser through the polyfill's import path; only its own controls directly.
      if (/fakeBrowser\.(?!reset\()/.test(text)) problems.push(`${file}: uses fakeBrowser's API instead of the polyfill's`);
      // WXT auto-imports its own `browser`: a file that uses one must import the polyfill's.
      if (/(?<![\w.])browser\.[a-zA-Z]/.test(text) && !/import browser from ['"]webextension-polyfill['"]/.test(text)) problems.push(`${file}: uses a browser it does not import from webextension-polyfill`);
      return problems;
    });
    expect(offenders).toEqual([]);
  });

  it('is the polyfill inside WXT too (content script context, background entry, UIs)', () => {
    expect(config.modules).toContain('@wxt-dev/webextension-polyfill');
  });
});
