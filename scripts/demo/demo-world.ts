import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_BUILD_DIR, type ExtensionBrowser, launchWithExtension } from '../../tests/e2e/harness/extension.ts';
import { serveDirectory } from '../../tests/e2e/harness/static-server.ts';
import { ACCOUNT_SID, AGENT_NUMBER, AUTH_TOKEN, extensionReady, startTwilioStandIn, TWILIO_NUMBER, twilioConnectorFor } from '../../tests/e2e/harness/world.ts';
import { addAgent, api, type RelayProcess, startRelayProcess, type TestAgent } from '../../tests/relay/harness.ts';
import { VtigerSimulator } from '../../tests/simulators/crm/vtiger.ts';
import { type DialOutcome, type SimulatedCall, TwilioSimulator } from '../../tests/simulators/twilio.ts';
import { startCallPacing } from './call-pacing.ts';
import { crmSeed, loadContacts, SITE_DIR } from './contacts.ts';
import type { Teardown } from './teardown.ts';

export interface CallbackUrls {
  answer: string;
  status: string;
  incoming: string;
}

/**
 * Everything the demo runs, started the way the end-to-end tests start it (tests/e2e/harness):
 * the real relay process on SQLite, an agent made with `relay agent add`, the Twilio simulator,
 * the demo CRM with the Vtiger simulator behind it (holding the same contacts), and Chromium
 * with the built extension, set up as an agent sets it up in Options.
 */
/** The demo agent's e-mail: the relay's, the extension's, and her Vtiger user's. */
export const AGENT_EMAIL = 'agent@acme-crm.example';
/** What Twilio says to a caller nobody answered, set in the demo's Twilio options. */
export const VOICEMAIL_GREETING = 'Sorry, nobody at Acme can take your call. Please leave a message after the tone.';

export interface DemoWorld {
  relay: RelayProcess;
  agent: TestAgent;
  twilio: TwilioSimulator;
  /** The CRM's API the relay looks callers up in and logs calls to. */
  vtiger: VtigerSimulator;
  site: { url: string };
  browser: ExtensionBrowser;
  callbacks: CallbackUrls;
  /** The number's connector: the bundled Twilio one, its API URL pointed at the simulator (the instance's `xml`). */
  providerXml: string;
  /**
   * A customer calls the company's Twilio number; Twilio asks the relay what to do. The call
   * ends by itself, unless `held`: then it stays in progress until `hangUp`.
   */
  ring(from: string, options?: { held?: boolean; dial?: DialOutcome }): SimulatedCall;
  /** The caller of a held call hangs up: the <Dial action>, then Twilio's final status callback (35 s talked). */
  hangUp(call: SimulatedCall): Promise<void>;
}

export interface DemoWorldOptions {
  /** Holds relay.db (replaced) and, once the relay stops, relay.log. */
  output: string;
  headless: boolean;
  /** How long each webhook is held on its way to the relay (see call-pacing.ts). */
  pauseMs: number;
  /** Aborted when the demo stops: start-up ends early, pacing stops waiting. */
  signal: AbortSignal;
  teardown: Teardown;
  log(message: string): void;
}

export async function startDemoWorld(options: DemoWorldOptions): Promise<DemoWorld> {
  const { output, signal, teardown, log } = options;
  const db = join(output, 'relay.db');
  const agent = await addAgent(db, { name: 'Demo Agent', number: AGENT_NUMBER, email: AGENT_EMAIL });
  signal.throwIfAborted();

  const relay = await startRelayProcess({ db, env: { LOG_LEVEL: 'info' } });
  // Forced out by a second Ctrl-C: the relay must not outlive us.
  const killRelay = () => relay.process.kill('SIGKILL');
  process.on('exit', killRelay);
  teardown.add('the relay', async () => {
    await relay.stop();
    process.off('exit', killRelay);
    writeFileSync(join(output, 'relay.log'), `${relay.output.join('\n')}\n`);
  });
  log(`  Relay         ${relay.url}  (real: relay-server, SQLite at ${db})`);
  signal.throwIfAborted();

  const pacing = await startCallPacing({ relayUrl: relay.url, pauseMs: options.pauseMs, signal });
  teardown.add('the call pacing', () => pacing.close());
  const twilio = await startTwilioStandIn(pacing.route);
  teardown.add('the Twilio simulator', () => twilio.close());
  log(`  Twilio        ${twilio.baseUrl}  (simulated: stands in for api.twilio.com)`);
  const site = await serveDirectory(SITE_DIR);
  teardown.add('the demo CRM', () => site.close());
  log(`  Demo CRM      ${site.url}/  (simulated: stands in for your CRM)`);
  const vtiger = await VtigerSimulator.start({ seed: crmSeed(loadContacts()) });
  teardown.add('the Vtiger simulator', () => vtiger.close());
  // The agent has a Vtiger user of her own, with the e-mail the relay knows her by: her calls are logged for it.
  vtiger.seedUser({ email: AGENT_EMAIL, firstName: 'Demo', lastName: 'Agent' });
  log(`  CRM API       ${vtiger.url}/webservice.php  (simulated: Vtiger's webservice, the demo CRM's contacts)`);

  // The bundled Twilio connector, its API URL pointed at the simulator: the only change.
  const xml = twilioConnectorFor(twilio.baseUrl);
  // A caller nobody answers hears the greeting and leaves a message (the story's voicemail), at
  // once while the agent is away (its last step).
  const config = { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, voicemail_greeting: VOICEMAIL_GREETING, away_voicemail: 'true' };
  // The bundled Vtiger connector as it ships: the simulator's address is its `url` config field.
  const crm = { connector: 'vtiger', config: vtiger.config };
  const instance = await api<{ callbacks: CallbackUrls }>(relay, agent.token, 'PUT', '/instances/default', { xml, config, crm });
  if (instance.status !== 200) throw new Error(`the relay refused the Twilio instance (${instance.status}): ${JSON.stringify(instance.body)}`);
  const { callbacks } = instance.body;
  signal.throwIfAborted();

  const browser = await launchWithExtension(E2E_BUILD_DIR, { headless: options.headless, handleSignals: false });
  teardown.add('Chromium', () => browser.close());
  signal.throwIfAborted();
  await browser.setStorage({
    relay: { url: relay.url, token: agent.token },
    provider: { customXml: xml, config, instanceId: 'default' },
    callbacks,
    agent: { extension: AGENT_NUMBER, email: AGENT_EMAIL, callerid: '', fields: {} },
    defaultCountry: 'US',
    sites: [{ pattern: 'http://127.0.0.1/*', searchUrl: '/search?q={query}' }],
    crm: { connectorId: crm.connector, config: crm.config },
  });
  await extensionReady(browser, signal);
  signal.throwIfAborted();
  log(`  Extension     ${E2E_BUILD_DIR}  (real, id ${browser.extensionId}), connected to the relay`);

  return {
    relay,
    agent,
    twilio,
    vtiger,
    site,
    browser,
    callbacks,
    providerXml: xml,
    ring: (from, { held = false, dial } = {}) => twilio.inboundCall({ url: callbacks.incoming, from, to: TWILIO_NUMBER, ...(held ? { held } : { statusCallback: callbacks.status }), ...(dial ? { dial } : {}) }),
    hangUp: async (call) => {
      await twilio.hangUp(call);
      call.status = 'completed';
      await twilio.webhook(call, 'status', 'POST', callbacks.status, { CallDuration: '35' });
    },
  };
}
