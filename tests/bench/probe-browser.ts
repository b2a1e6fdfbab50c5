/**
 * What the benches' Chromium probes share: the browser the rest of the project drives
 * (`ensureChromium`: `CHROMIUM_PATH`, else Debian's), headless, and the helper their page
 * functions need.
 */
import { type Browser, chromium } from 'playwright-core';
import { ensureChromium } from '../../scripts/ensure-chromium.ts';

/** A headless Chromium with these command-line arguments. */
export function launchProbeBrowser(args: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: ensureChromium(), headless: true, args });
}

/** tsx names the functions declared inside page functions with a `__name` helper the page lacks: this defines it. */
export const TSX_NAME_HELPER = 'globalThis.__name = (target) => target;';
