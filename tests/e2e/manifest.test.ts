import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_BUILD_DIR } from './harness/extension.ts';

interface Manifest {
  minimum_chrome_version?: string;
  permissions?: string[];
  optional_host_permissions?: string[];
}

// The manifest WXT generated for Chrome (the global setup builds it), not the config it came from.
const manifest = JSON.parse(readFileSync(join(E2E_BUILD_DIR, 'manifest.json'), 'utf8')) as Manifest;

describe('the built Chrome manifest', () => {
  it('asks for Chrome 116+, where WebSocket traffic keeps the service worker alive', () => {
    expect(Number(manifest.minimum_chrome_version)).toBeGreaterThanOrEqual(116);
  });

  it('asks for no tabs permission: enabled sites’ host permissions and activeTab show the URLs it needs', () => {
    expect(manifest.permissions).not.toContain('tabs');
    expect(manifest.permissions).toContain('activeTab');
    expect(manifest.optional_host_permissions).toEqual(['*://*/*']);
  });

  it('asks for idle, which Chrome grants without a warning: a locked screen makes the agent away (background/lock-away.ts)', () => {
    expect(manifest.permissions).toContain('idle');
  });
});
