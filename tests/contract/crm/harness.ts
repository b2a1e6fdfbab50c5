/**
 * What every CRM contract test sets up: a real relay process whose instance takes Twilio's
 * signed webhooks (the Twilio simulator) and carries a bundled CRM connector
 * (connectors/crm/<id>.xml) configured against that CRM's simulator. Calls are rung and ended
 * as Twilio does, the agent's socket and the agent API are read as the extension reads them,
 * and the relay can be killed and started again on its database. Each CRM's test file holds only
 * its own facts: how to start its simulator, how to read one of its stored activities, and its
 * secrets.
 */
import type { CallView, Contact, CrmLog, DispositionList } from '@phone-connector/shared';
import { expect } from 'vitest';
import { AgentClient, api, type ApiResponse, type TestAgent } from '../../relay/harness.ts';
import type { CrmSimulator, RecordedCrmRequest, StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { type Exchange, newSid, type SimulatedCall, TwilioSimulator } from '../../simulators/twilio.ts';
import { ContractRelay, type RelayCallbacks } from '../harness.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TWILIO_TOKEN = 'crm-contract-twilio-auth-token';
const TWILIO_NUMBER = '+15005550006';
const INSTANCE = 'support-line';
const TWILIO_CONFIG = { authid: ACCOUNT_SID, authtoken: TWILIO_TOKEN, callerid: TWILIO_NUMBER };
/** A wait that only ends when its condition will never hold: generous, for a busy machine. */
const WAIT = { timeout: 45_000, interval: 100 };

/** A stored activity in the relay's words, read the way its CRM holds it. */
export interface ActivityReading {
  /** The customer's number the activity was logged for, E.164. */
  customerNumber: string | null;
  /** The CRM ids of every contact it is linked to, as the CRM itself holds them (a stale link shows). */
  contactIds: string[];
  /** Where the agent's notes and disposition show (a description, a call body). */
  text: string;
  /** The CRM user the activity is recorded for (its owner, assigned user), as the CRM holds it; null when it names none. */
  owner: string | null;
}

/** What `loggedOnce` waits for: parts of the reading, `contactId` standing for "linked to this one alone". */
export type LoggedExpectation = Partial<Omit<ActivityReading, 'contactIds'>> & { contactId?: string | null };

/** One CRM's facts, all a contract test needs to run the common scenarios against it. */
export interface CrmUnderTest<S extends CrmSimulator> {
  /** The bundled connector's id: connectors/crm/<connector>.xml. */
  connector: string;
  start(): Promise<S>;
  read(activity: StoredActivity): ActivityReading;
  /** What must never show in the relay's output: the config's secrets and any session the CRM handed out so far. */
  secrets(crm: S): string[];
}

/** The contract's agent's email, by which the connector's `<find_user>` finds the CRM user she is. */
export const AGENT_EMAIL = 'ada.lovelace@example.com';

/** A call Twilio has, as the relay heard of it. */
export interface ProviderCall {
  sid: string;
  simulated: SimulatedCall;
}

export class CrmContract<S extends CrmSimulator> {
  private constructor(
    readonly relay: ContractRelay,
    readonly crm: S,
    readonly twilio: TwilioSimulator,
    readonly agent: TestAgent,
    readonly callbacks: RelayCallbacks,
    private readonly facts: CrmUnderTest<S>,
    /** The agent's socket, opened before any call of the test file (see `reconnect`). */
    public socket: AgentClient,
  ) {}

  /**
   * Starts the CRM's simulator, a relay (with `env`) and the Twilio simulator, registers the
   * instance (Twilio plus the CRM, configured with the simulator's `config`) as its admin
   * agent, and connects that agent's socket.
   */
  static async start<S extends CrmSimulator>(facts: CrmUnderTest<S>, options: { env?: Record<string, string> } = {}): Promise<CrmContract<S>> {
    const crm = await facts.start();
    const { relay, agents: [agent] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada Lovelace', number: '+14155550111', email: AGENT_EMAIL }], options.env);
    const twilio = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: TWILIO_TOKEN, forward: relay.forward });
    const { callbacks } = await relay.registerInstance(agent, INSTANCE, 'twilio', TWILIO_CONFIG, { connector: facts.connector, config: crm.config });
    return new CrmContract(relay, crm, twilio, agent, callbacks, facts, await relay.connect(agent));
  }

  /** The admin saves the instance again with another CRM config (a wrong key, then the right one); the callback URLs stay. */
  async configureCrm(config: Record<string, string>): Promise<void> {
    const { callbacks } = await this.relay.registerInstance(this.agent, INSTANCE, 'twilio', TWILIO_CONFIG, { connector: this.facts.connector, config });
    expect(callbacks).toEqual(this.callbacks);
  }

  /** The instance's id, as the admin registered it. */
  get instance(): string {
    return INSTANCE;
  }

  /** The Twilio number customers call. */
  get twilioNumber(): string {
    return TWILIO_NUMBER;
  }

  /** Twilio's first webhook of an inbound call from `from`; the relay must answer it (200) with the `<Dial>` of its agent. */
  async ring(from: string): Promise<ProviderCall & { voice: Exchange }> {
    const simulated = simulatedCall('inbound', from, TWILIO_NUMBER, 'ringing');
    const voice = await this.twilio.webhook(simulated, 'voice', 'POST', this.callbacks.incoming);
    expect(voice.status, voice.body).toBe(200);
    expect(voice.body).toMatch(new RegExp(`<Number [^>]*>\\${this.agent.number}</Number>`));
    return { sid: simulated.sid, simulated, voice };
  }

  /**
   * A click to call to `to` as the extension reports it once the engine placed it (`POST /calls`,
   * background/calls.ts): the relay learns of the call from the report, then Twilio's status webhooks.
   */
  async report(to: string): Promise<ProviderCall> {
    const simulated = simulatedCall('outbound-api', TWILIO_NUMBER, to, 'queued');
    const reported = await api(this.relay, this.agent.token, 'POST', '/calls', { instance: INSTANCE, call_id: simulated.sid, to_number: to, status: 'queued' });
    expect(reported.status, JSON.stringify(reported.body)).toBe(201);
    return { sid: simulated.sid, simulated };
  }

  /**
   * Twilio's final status webhook (`completed` after `duration` seconds by default); sending it
   * again with the same arguments is Twilio retrying it. The relay must answer 200.
   */
  async end(call: ProviderCall, final: { status?: string; duration?: number } = {}): Promise<Exchange> {
    const status = final.status ?? 'completed';
    const exchange = await this.twilio.webhook({ ...call.simulated, status }, 'status', 'POST', this.callbacks.status, { CallDuration: String(final.duration ?? 35) });
    expect(exchange.status, exchange.body).toBe(200);
    return exchange;
  }

  /** The events about one call the agent's socket received, oldest first. */
  eventsOf(sid: string): CallView[] {
    return this.socket.events.filter((e) => e.call.call_id === sid).map((e) => e.call as CallView);
  }

  /** Waits until an event about the call shows it as `predicate` wants; returns that view. */
  async pushed(sid: string, predicate: (call: CallView) => boolean): Promise<CallView> {
    await this.socket.waitFor(() => this.eventsOf(sid).some(predicate), WAIT.timeout);
    return this.eventsOf(sid).find(predicate)!;
  }

  /** The call as the agent API shows it now. */
  async view(sid: string): Promise<CallView> {
    const list = await api<{ calls: CallView[] }>(this.relay, this.agent.token, 'GET', '/calls?limit=200');
    const call = list.body.calls.find((c) => c.call_id === sid);
    if (!call) throw new Error(`the relay lists no call ${sid}`);
    return call;
  }

  /** Polls the agent API until the call's `crm_log` matches (a restart may have dropped the socket); returns the view. */
  async crmLog(sid: string, expected: Partial<CrmLog>): Promise<CallView> {
    await expect.poll(async () => (await this.view(sid)).crm_log, WAIT).toMatchObject(expected);
    return this.view(sid);
  }

  /** `PATCH /calls/:id` as the extension sends the agent's wrap-up or pick; the relay must take it. */
  async annotate(sid: string, patch: { notes?: string | null; disposition?: string | null; contact_id?: string }): Promise<CallView> {
    const { id } = await this.view(sid);
    const answer: ApiResponse<CallView> = await api(this.relay, this.agent.token, 'PATCH', `/calls/${id}`, patch);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  }

  /** Ends the call and gives the agent's wrap-up: a CRM that writes a call once (Pipedrive, Freshsales) writes it when both are in. */
  async endAndWrapUp(call: ProviderCall, wrapUp: { notes?: string; disposition?: string } = { notes: 'Called about the invoice' }): Promise<void> {
    await this.end(call);
    await this.annotate(call.sid, wrapUp);
  }

  /**
   * For a CRM that writes a call once (no `update_call`): a known caller's call ends after 125 s and
   * its log waits in the outbox, not due, with nothing written, until the agent's `wrapUp`; then the
   * one record is written, linked to the caller. Returns the call, the caller's id and that record.
   */
  async loggedOnceAtWrapUp(customerNumber: string, wrapUp: { notes: string; disposition: string }): Promise<{ call: ProviderCall; contactId: string; logged: StoredActivity & { reading: ActivityReading } }> {
    const [contactId] = this.crm.seed([{ firstName: 'Nora', lastName: 'Quinn', phones: [customerNumber] }]);
    const call = await this.ring(customerNumber);
    await this.pushed(call.sid, (v) => v.contact?.id === contactId);
    await this.end(call, { duration: 125 });
    await this.crmLog(call.sid, { state: 'pending', id: null });
    expect(await this.outbox()).toEqual({ depth: 1, oldestDueSeconds: 0 });
    expect(this.activitiesFor(customerNumber)).toEqual([]);
    await this.annotate(call.sid, wrapUp);
    return { call, contactId: contactId!, logged: await this.loggedOnce(customerNumber, { contactId }) };
  }

  /** A note saved after a log that does not change stays in the relay: the record is left as written, no request touches it, and the wrap-up form says so. */
  async expectLeftAsWritten(call: ProviderCall, logged: StoredActivity & { reading: ActivityReading }, crmName: string): Promise<void> {
    await this.annotate(call.sid, { notes: 'A later note stays in the relay' });
    await this.outboxDrained();
    expect(this.activitiesFor(logged.reading.customerNumber!)).toEqual([expect.objectContaining({ id: logged.id, updates: 0 })]);
    expect(await this.wrapUpForm()).toMatchObject({ crm: crmName, updates_logged_calls: false });
    expect(this.crm.requests.some((r) => r.method !== 'GET' && r.url.includes(logged.id))).toBe(false);
  }

  /**
   * The CRM refuses the create with 401 (`create`: its pattern): the log fails for good with the CRM's
   * `message`, nothing is written, and the retry API writes it once the CRM accepts it.
   */
  async expectRefusedLogRetried(customerNumber: string, create: RegExp, message: string, finish: (call: ProviderCall) => Promise<void>): Promise<void> {
    this.crm.failNext(1, { status: 401 }, create);
    const call = await this.ring(customerNumber);
    await finish(call);
    await this.crmLog(call.sid, { state: 'failed', id: null, error: expect.stringContaining(message) });
    expect(this.activitiesFor(customerNumber)).toEqual([]);
    expect((await this.retryLog(call.sid)).status).toBe(200);
    const logged = await this.loggedOnce(customerNumber);
    await this.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
  }

  /** `POST /calls/:id/crm-log/retry`, the extension's "retry" on a failed log. */
  async retryLog(sid: string): Promise<ApiResponse<CallView>> {
    const { id } = await this.view(sid);
    return api(this.relay, this.agent.token, 'POST', `/calls/${id}/crm-log/retry`);
  }

  /** `GET /instances/:id/crm/dispositions`, what the extension's wrap-up form asks of the CRM. */
  async wrapUpForm(): Promise<DispositionList> {
    const answer: ApiResponse<DispositionList> = await api(this.relay, this.agent.token, 'GET', `/instances/${INSTANCE}/crm/dispositions`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  }

  /** The activities the CRM holds for calls with this customer, as this CRM reads them. */
  activitiesFor(customerNumber: string): Array<StoredActivity & { reading: ActivityReading }> {
    return this.crm
      .activities()
      .map((activity) => ({ ...activity, reading: this.facts.read(activity) }))
      .filter((a) => a.reading.customerNumber === customerNumber);
  }

  /**
   * Waits until the CRM holds exactly one activity for the customer whose reading matches, and
   * returns it. `contactId` says it is linked to that contact and to no other (null: to none).
   */
  async loggedOnce(customerNumber: string, expected: LoggedExpectation = {}): Promise<StoredActivity & { reading: ActivityReading }> {
    const { contactId, ...rest } = expected;
    const reading = contactId === undefined ? rest : { ...rest, contactIds: contactId === null ? [] : [contactId] };
    await expect.poll(() => this.activitiesFor(customerNumber).map((a) => a.reading), WAIT).toEqual([expect.objectContaining(reading)]);
    return this.activitiesFor(customerNumber)[0]!;
  }

  /** The relay's CRM outbox as /metrics shows it: rows waiting, and how long the oldest has been due (0: none is due yet). */
  async outbox(): Promise<{ depth: number; oldestDueSeconds: number }> {
    const metrics = await (await fetch(`${this.relay.url}/metrics`)).text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    return { depth: gauge('relay_crm_outbox_depth'), oldestDueSeconds: gauge('relay_crm_outbox_oldest_due_seconds') };
  }

  /** Waits until the relay's CRM outbox is empty: every write it had to do is done (or failed for good). */
  async outboxDrained(): Promise<void> {
    await expect.poll(async () => (await this.outbox()).depth, WAIT).toBe(0);
  }

  /** `count` callers for a burst (issue 10), each a contact of its own: their E.164 numbers, from +1415555`first` on, and their ids. */
  burstCallers(count: number, first: number): { numbers: string[]; ids: string[] } {
    const numbers = Array.from({ length: count }, (_, n) => `+1415555${String(first + n).padStart(4, '0')}`);
    return { numbers, ids: this.crm.seed(numbers.map((e164, n) => ({ firstName: 'Paced', lastName: String(n), phones: [e164] }))) };
  }

  /**
   * Once every call of a burst is logged (a call's log waits for its lookup, so every lookup has
   * answered): the CRM requests sent since the `from`th, those it refused with 429 (`METHOD url`,
   * when, and how many it had had there in the second before), and the callers no event of their
   * call named as their contact. `RATE_FIGURES=1` prints them.
   */
  async afterBurst(from: number, calls: ProviderCall[], callers: { numbers: string[]; ids: string[] }): Promise<{ sent: RecordedCrmRequest[]; refused: string[]; unnamed: string[] }> {
    for (const call of calls) await this.crmLog(call.sid, { state: 'logged' });
    const unnamed = callers.numbers.filter((_, n) => this.eventsOf(calls[n]!.sid).find((v) => v.contact !== null)?.contact?.id !== callers.ids[n]);
    const sent = this.crm.requests.slice(from);
    // Each refused request with what the CRM had received on its path in the second before it, for the failure's message.
    const refused = sent
      .filter((r) => r.status === 429)
      .map((r) => `${r.method} ${r.url} at +${r.at - sent[0]!.at} ms, after ${sent.filter((o) => o !== r && o.url === r.url && o.at <= r.at && o.at > r.at - 1000).length} there in the second before`);
    if (process.env.RATE_FIGURES) console.log(`refused ${refused.length}, unnamed ${unnamed.length} of ${calls.length}, requests ${sent.length}`);
    return { sent, refused, unnamed };
  }

  /** The contacts a lookup found, as pushed: ids only, in order. */
  static ids(contacts: Contact[]): string[] {
    return contacts.map((c) => c.id);
  }

  /** Every line the relay's processes wrote so far. */
  get output(): string {
    return this.relay.output.join('\n');
  }

  /** Asserts that no secret of the CRM (and none of the relay's own) shows in the relay's output. */
  expectNoSecretLogged(): void {
    const secrets = [...this.facts.secrets(this.crm), TWILIO_TOKEN, this.agent.token];
    expect(secrets.every((s) => s.length >= 8), 'a secret too short to look for').toBe(true);
    for (const secret of secrets) expect(this.output.includes(secret), `a secret (${secret.slice(0, 3)}…) is in the relay's output`).toBe(false);
  }

  /**
   * Kills the relay (SIGKILL: nothing flushed, nothing finished), runs `whileDead`, starts the
   * relay again on the same database, and reconnects the socket.
   */
  async crashAndRestart(whileDead?: () => Promise<void>): Promise<void> {
    await this.relay.restart('SIGKILL', whileDead);
    await this.reconnect();
  }

  /** A fresh socket for the agent (after a restart, the old one is closed). */
  async reconnect(): Promise<void> {
    await this.socket.close();
    this.socket = await this.relay.connect(this.agent);
  }

  async close(): Promise<void> {
    await this.socket?.close();
    await this.twilio?.close();
    await this.relay?.close();
    await this.crm?.close();
  }
}

function simulatedCall(direction: SimulatedCall['direction'], from: string, to: string, status: string): SimulatedCall {
  return { sid: newSid(), direction, from, to, status, dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
}
