import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { TwilioSimulator } from '../../simulators/twilio.ts';
import { addAgent, api, REPO_ROOT, type RelayProcess, startRelayProcess, type TestAgent, tempDir } from '../../relay/harness.ts';
import { type ExtensionBrowser, launchWithExtension } from './extension.ts';
import { serveDirectory } from './static-server.ts';
import { waitFor } from './wait.ts';

export { waitFor };

export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const AUTH_TOKEN = 'e2e-auth-token-0123456789';
export const TWILIO_NUMBER = '+15005550006';
export const AGENT_NUMBER = '+14155550111';

/**
 * How long a wait for what a test expects may take before it fails: Playwright's own
 * default, generous for a busy machine. Waits end as soon as their condition holds.
 */
export const DEADLINE_MS = 30_000;

/**
 * Everything real, started by the project's own code: a relay process on SQLite, the Twilio
 * simulator over HTTP, a static CRM-like site, and Chromium with the built extension set up
 * as an agent would set it up (relay, provider, profile, enabled site).
 */
export interface World {
  relay: RelayProcess;
  agent: TestAgent;
  /** Ada's colleagues (`WorldOptions.colleagues`), with their relay tokens. */
  colleagues: TestAgent[];
  twilio: TwilioSimulator;
  site: { url: string };
  browser: ExtensionBrowser;
  close(): Promise<void>;
  /** Opens a page of the test site. */
  open(path: string): Promise<Page>;
  /** Starts the relay again on the same port and database (after `relay.stop()`). */
  restartRelay(port: number): Promise<RelayProcess>;
}

/** The bundled Twilio connector, pointed at the simulator instead of api.twilio.com. */
export function twilioConnectorFor(simulatorUrl: string): string {
  return readFileSync(join(REPO_ROOT, 'connectors', 'twilio.xml'), 'utf8').replaceAll('https://api.twilio.com', simulatorUrl);
}

/**
 * The Twilio simulator that stands in for api.twilio.com with `twilioConnectorFor`'s connector:
 * its recordings are at its own address too, the provider's address from which the relay
 * fetches a call's recording with the account's credentials (connectors/twilio.xml `<recording>`).
 */
export async function startTwilioStandIn(forward?: (publicUrl: string) => string): Promise<TwilioSimulator> {
  let twilio: TwilioSimulator | undefined;
  twilio = await TwilioSimulator.start({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    ...(forward ? { forward } : {}),
    newRecordingUrl: () => `${twilio!.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/RE${randomBytes(16).toString('hex')}`,
  });
  return twilio;
}

export interface WorldOptions {
  siteDir?: string;
  /** The instance's CRM, set at the relay and in the extension's settings as Options > CRM saves it. */
  crm?: { connector: string; config: Record<string, string> };
  /**
   * Ada's team: Ada is then an admin (her instance is the team's number, whose incoming calls
   * ring every agent) and these agents are added after her; none runs an extension.
   */
  colleagues?: Array<{ name: string; number: string; email?: string }>;
  /** More of the Twilio connector's settings than the account's (its voicemail greeting, what it does while everyone is away). */
  providerConfig?: Record<string, string>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const dir = tempDir('pc-e2e-');
  const db = join(dir.path, 'relay.db');
  const agent = await addAgent(db, { name: 'Ada', number: AGENT_NUMBER, email: 'ada@example.com', ...(options.colleagues ? { admin: true } : {}) });
  const colleagues: TestAgent[] = [];
  for (const colleague of options.colleagues ?? []) colleagues.push(await addAgent(db, colleague));
  const relay = await startRelayProcess({ db });
  const twilio = await startTwilioStandIn();
  const site = await serveDirectory(options.siteDir ?? join(import.meta.dirname, '..', 'fixtures'));
  const xml = twilioConnectorFor(twilio.baseUrl);
  const config = { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, ...options.providerConfig };
  const instance = await api(relay, agent.token, 'PUT', '/instances/default', { xml, config, ...(options.crm ? { crm: options.crm } : {}) });
  if (instance.status !== 200) throw new Error(`instance registration failed: ${JSON.stringify(instance.body)}`);
  const browser = await launchWithExtension();
  await browser.setStorage({
    provider: { customXml: xml, config, instanceId: 'default' },
    callbacks: (instance.body as { callbacks: Record<string, string> }).callbacks,
    agent: { extension: AGENT_NUMBER, email: 'ada@example.com', callerid: '', fields: {} },
    defaultCountry: 'US',
    sites: [{ pattern: 'http://127.0.0.1/*', searchUrl: '/search?q={query}' }],
    relay: { url: relay.url, token: agent.token },
    ...(options.crm ? { crm: { connectorId: options.crm.connector, config: options.crm.config } } : {}),
  });
  await extensionReady(browser);
  const world: World = {
    relay,
    agent,
    colleagues,
    twilio,
    site,
    browser,
    open: async (path) => {
      const page = await browser.context.newPage();
      await page.goto(`${site.url}/${path.replace(/^\//, '')}`);
      return page;
    },
    restartRelay: (port) => startRelayProcess({ db, args: ['--port', String(port)] }),
    close: async () => {
      await browser.close();
      await twilio.close();
      await site.close();
      await world.relay.stop();
      dir.remove();
    },
  };
  return world;
}

/**
 * Resolves once the extension set up by `setStorage` is connected to the relay and its content
 * script is registered for the local test sites (a page opened before that would never get
 * it), or as soon as `signal` aborts.
 */
export async function extensionReady(browser: ExtensionBrowser, signal?: AbortSignal): Promise<void> {
  const connected = async () => ((await browser.getStorage(['connection'])).connection as { state?: string } | undefined)?.state === 'connected';
  await waitFor(async () => signal?.aborted || (await connected()), DEADLINE_MS, 'the extension to connect to the relay');
  await waitFor(async () => signal?.aborted || (await browser.registeredSites()).includes('http://127.0.0.1/*'), DEADLINE_MS, 'the content script to be registered for the site');
}

