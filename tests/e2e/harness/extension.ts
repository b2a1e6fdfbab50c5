import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Worker } from 'playwright-core';
import { ensureChromium } from '../../../scripts/ensure-chromium.ts';
import { waitFor } from './wait.ts';

const root = join(import.meta.dirname, '..', '..', '..');
export const E2E_BUILD_DIR = join(root, 'extension', '.output-e2e', 'chrome-mv3');

/**
 * Builds the extension as users get it, plus host permissions for 127.0.0.1 (a permission
 * prompt cannot be clicked in headless Chromium). Built once per test run. `unminified` keeps
 * the functions' names, for the bench's CPU profiles, in a folder of its own.
 */
export function buildExtensionForTests(options: { unminified?: boolean } = {}): string {
  const outDir = options.unminified ? '.output-profile' : '.output-e2e';
  const built = join(root, 'extension', outDir, 'chrome-mv3');
  try {
    execFileSync(process.execPath, [join(root, 'extension', 'node_modules', 'wxt', 'bin', 'wxt.mjs'), 'build'], {
      cwd: join(root, 'extension'),
      env: { ...process.env, PC_TEST_HOSTS: '1', PC_OUT_DIR: outDir, ...(options.unminified ? { PC_UNMINIFIED: '1' } : {}) },
      stdio: 'pipe',
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`wxt build failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
  }
  if (!existsSync(join(built, 'manifest.json'))) throw new Error(`extension build produced no manifest in ${built}`);
  return built;
}

export interface ExtensionBrowser {
  context: BrowserContext;
  worker: Worker;
  extensionId: string;
  /** Writes extension settings (storage.local), as the options page would. */
  setStorage(values: Record<string, unknown>): Promise<void>;
  getStorage(keys: string[]): Promise<Record<string, unknown>>;
  /** The URL patterns the content script is registered for: the sites enabled so far. */
  registeredSites(): Promise<string[]>;
  /**
   * Stops the extension's service worker, as Chromium stops an idle or updated one, waits until
   * it is gone, and starts it again (an extension page's message wakes it): nothing it held in
   * memory is left. `worker` goes on working with the new one.
   */
  restartWorker(): Promise<void>;
  close(): Promise<void>;
}

interface ExtensionGlobal {
  chrome: {
    storage: { local: { set(values: Record<string, unknown>): Promise<void>; get(keys: string[]): Promise<Record<string, unknown>> } };
    scripting: { getRegisteredContentScripts(): Promise<Array<{ matches?: string[] }>> };
  };
}

export interface LaunchOptions {
  /** Headless (the default, as tests run), or a visible window for someone to use. */
  headless?: boolean;
  /**
   * Whether Playwright closes the browser and exits the process on Ctrl-C / SIGTERM / SIGHUP
   * (the default). A caller that runs its own shutdown (the demo) passes false.
   */
  handleSignals?: boolean;
}

const launched = new Set<ExtensionBrowser>();

/** The browsers launched and not closed yet: what a failed test's report looks at. */
export function openExtensionBrowsers(): ReadonlySet<ExtensionBrowser> {
  return launched;
}

/** Debian's Chromium with the built extension loaded, in a fresh profile; headless unless asked otherwise. */
export async function launchWithExtension(extensionDir = E2E_BUILD_DIR, options: LaunchOptions = {}): Promise<ExtensionBrowser> {
  const { headless = true, handleSignals = true } = options;
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'pc-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    // Extensions need Chromium's "new" headless mode, asked for with the flag below.
    headless: false,
    // A visible window sizes its pages itself; headless pages get a fixed, screenshot-friendly size.
    viewport: headless ? { width: 1280, height: 900 } : null,
    handleSIGINT: handleSignals,
    handleSIGTERM: handleSignals,
    handleSIGHUP: handleSignals,
    args: [
      ...(headless ? ['--headless=new'] : ['--window-size=1366,900']),
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(worker.url()).host;
  const browser: ExtensionBrowser = {
    context,
    worker,
    extensionId,
    // These functions run inside the service worker, where `chrome` is the extension API.
    setStorage: (values) => worker.evaluate((v) => (globalThis as unknown as ExtensionGlobal).chrome.storage.local.set(v), values),
    getStorage: (keys) => worker.evaluate((k) => (globalThis as unknown as ExtensionGlobal).chrome.storage.local.get(k), keys),
    registeredSites: async () => (await worker.evaluate(() => (globalThis as unknown as ExtensionGlobal).chrome.scripting.getRegisteredContentScripts())).flatMap((script) => script.matches ?? []),
    restartWorker: async () => {
      const cdp = await context.browser()!.newBrowserCDPSession();
      try {
        const running = async () => (await cdp.send('Target.getTargets')).targetInfos.filter((target) => target.type === 'service_worker' && target.url.startsWith(`chrome-extension://${extensionId}/`));
        for (const target of await running()) await cdp.send('Target.closeTarget', { targetId: target.targetId });
        await waitFor(async () => (await running()).length === 0, 30_000, 'the service worker to stop');
        const page = await context.newPage();
        try {
          await page.goto(`chrome-extension://${extensionId}/popup.html`);
          await waitFor(async () => (await running()).length === 1, 30_000, 'the service worker to start again');
        } finally {
          await page.close();
        }
      } finally {
        await cdp.detach();
      }
    },
    close: async () => {
      launched.delete(browser);
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
  launched.add(browser);
  return browser;
}
