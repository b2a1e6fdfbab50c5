import { ensureChromium } from '../../../scripts/ensure-chromium.ts';
import { buildExtensionForTests } from './extension.ts';

/**
 * Once for every end-to-end file: Chromium (installed from Debian when missing and root, so
 * `npm test` on a fresh machine needs nothing else), then the extension build.
 */
export default function setup(): void {
  ensureChromium();
  buildExtensionForTests();
}
