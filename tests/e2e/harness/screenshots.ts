import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../../relay/harness.ts';

/**
 * Where an end-to-end test writes a screenshot: test-output/screenshots/, which git ignores,
 * so a test run leaves the tree as it found it. `PC_SCREENSHOTS_DIR` picks another folder:
 * `npm run screenshots` points it at docs/screenshots/ to refresh the README's pictures.
 */
export function screenshotPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = resolve(REPO_ROOT, env.PC_SCREENSHOTS_DIR || join('test-output', 'screenshots'));
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
