/**
 * What every contract test sets up around its provider's simulator: a relay process behind a
 * public URL with its agents, the connector instance registered as an admin registers it, and
 * the extension's side of click to call (the engine places the call, the extension reports it).
 * Each test file keeps its provider's facts (credentials, numbers, simulator options) and its
 * scenarios; this module only holds what they all repeated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCallReport, type CallReport, type CrmSetup, type CallTarget, type ConnectorPlan, type Fetch, hangUpCall, type HangupResult, isCallStatus, loadConnector, placeCall, statusStage } from '@phone-connector/shared';
import { expect } from 'vitest';
import { AgentClient, addAgent, api, type ApiResponse, type CallEvent, REPO_ROOT, type RelayProcess, startRelayProcess, type TestAgent, tempDir } from '../relay/harness.ts';

/** The relay's callback URLs for one instance, as `PUT /instances/:id` answers them. */
export interface RelayCallbacks {
  answer: string;
  status: string;
  incoming: string;
}

export interface AgentSpec {
  name: string;
  number: string;
  email?: string;
}

/**
 * A relay process for one test file, on its own database in a temporary folder and started
 * behind `publicUrl`, so the callback URLs it hands out are the public ones a provider calls.
 */
export class ContractRelay {
  /** What the processes this relay ran before the current one wrote (see `restart`). */
  private readonly earlierOutput: string[] = [];

  private constructor(
    private current: RelayProcess,
    private readonly publicUrl: string,
    private readonly dir: { path: string; remove(): void },
    private readonly env: Record<string, string>,
  ) {}

  /**
   * Adds the agents to a fresh database (`relay agent add`, in order; the first with `--admin`:
   * the admin registers the team's provider instance, whose incoming calls may reach every
   * agent), then starts the relay on it, with `env` added to its environment.
   */
  static async start<const A extends readonly AgentSpec[]>(publicUrl: string, agents: A, env: Record<string, string> = {}): Promise<{ relay: ContractRelay; agents: { -readonly [K in keyof A]: TestAgent } }> {
    const dir = tempDir();
    try {
      const added: TestAgent[] = [];
      for (const [index, agent] of agents.entries()) added.push(await addAgent(ContractRelay.dbIn(dir.path), { ...agent, admin: index === 0 }));
      const relayProcess = await startRelayProcess({ db: ContractRelay.dbIn(dir.path), publicUrl, env });
      return { relay: new ContractRelay(relayProcess, publicUrl, dir, env), agents: added as { -readonly [K in keyof A]: TestAgent } };
    } catch (error) {
      dir.remove();
      throw error;
    }
  }

  private static dbIn(dir: string): string {
    return join(dir, 'relay.db');
  }

  /** The relay process running now. */
  get process(): RelayProcess {
    return this.current;
  }

  /** Where the relay really listens. */
  get url(): string {
    return this.current.url;
  }

  /** Every line every process of this relay wrote, the current one's last. */
  get output(): string[] {
    return [...this.earlierOutput, ...this.current.output];
  }

  /**
   * Stops the relay with `signal` (SIGKILL: a crash, nothing flushed or finished) and starts it
   * again on the same database and public URL, hence the same callback URLs; only the port changes.
   * `whileStopped` runs in between (a CRM finishing a write the dead relay never hears of).
   */
  async restart(signal: NodeJS.Signals = 'SIGTERM', whileStopped?: () => Promise<void>): Promise<void> {
    await this.current.stop(signal);
    this.earlierOutput.push(...this.current.output);
    await whileStopped?.();
    this.current = await startRelayProcess({ db: ContractRelay.dbIn(this.dir.path), publicUrl: this.publicUrl, env: this.env });
  }

  /** A public callback URL as the simulators reach it: the same path on the relay's own address. */
  readonly forward = (url: string): string => url.replace(this.publicUrl, this.current.url);

  /** `PUT /instances/:id` as the admin does it (with the instance's CRM setup, if any); the relay must accept it. */
  async registerInstance(admin: TestAgent, id: string, connector: string, config: Record<string, string>, crm?: CrmSetup): Promise<{ callbacks: RelayCallbacks; warnings: Array<{ message: string }> }> {
    const put = await api(this, admin.token, 'PUT', `/instances/${id}`, { connector, config, ...(crm ? { crm } : {}) });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    return put.body;
  }

  /** An agent's WebSocket client as on a fresh start (no last seq), once the welcome has come. */
  async connect(agent: TestAgent, options: { mode?: 'header' | 'subprotocol' } = {}): Promise<AgentClient> {
    const socket = await AgentClient.connect(this, agent.token, { ...options, lastSeq: null });
    await socket.waitFor((c) => c.welcome !== undefined);
    return socket;
  }

  /** The call ids in the agent's call list (the latest 200): where a refused webhook must leave no trace. */
  async storedCallIds(agent: TestAgent): Promise<string[]> {
    const list = await api(this, agent.token, 'GET', '/calls?limit=200');
    return list.body.calls.map((c: { call_id: string }) => c.call_id);
  }

  /** Stops the relay and removes its folder. */
  async close(): Promise<void> {
    await this.current.stop();
    this.dir.remove();
  }
}

/** The engine's fetch with the provider's API origin (a prefix or a pattern) replaced by the simulator's base URL. */
export function toSimulator(origin: string | RegExp, baseUrl: string): Fetch {
  return (url, init) => fetch(url.replace(origin, baseUrl), init);
}

export type PlacedCall = Awaited<ReturnType<typeof placeCall>>;

export interface PlaceOptions {
  /** Stands in for the instance's config, to try a wrong setting. */
  config?: Record<string, string>;
  defaultCountry?: string;
}

/**
 * The extension's side of one connector instance: the engine places calls with the connector's
 * plan and the config the extension holds, its requests going to `fetch` (the simulator), and
 * the extension reports the calls to the relay.
 */
export class Extension {
  private readonly plan: ConnectorPlan;

  constructor(
    private readonly setup: {
      relay: { url: string };
      /** The instance id calls are reported under. */
      instance: string;
      /** The bundled connector, connectors/{connector}.xml. */
      connector: string;
      config: Record<string, string>;
      /** The relay's callback URLs, handed to the engine; left out for a connector that needs none. */
      callbacks?: RelayCallbacks;
      fetch: Fetch;
    },
  ) {
    this.plan = loadConnector(readFileSync(join(REPO_ROOT, 'connectors', `${setup.connector}.xml`), 'utf8'));
  }

  /** The engine placing a call for `agent` (whose phone is the extension), as on a click. */
  place(agent: TestAgent, to: CallTarget, options: PlaceOptions = {}): Promise<PlacedCall> {
    const { callbacks, fetch } = this.setup;
    const context = { config: options.config ?? this.setup.config, agent: { extension: agent.number }, ...(callbacks ? { callbacks } : {}), ...(options.defaultCountry ? { defaultCountry: options.defaultCountry } : {}) };
    return placeCall(this.plan, context, to, fetch);
  }

  /** The engine ending a call `agent` placed (the connector's `<hangup>`), as the call's card does on Cancel or Hang up. */
  hangUp(agent: TestAgent, callId: string, options: { config?: Record<string, string>; toNumber?: string; fields?: Record<string, string> } = {}): Promise<HangupResult> {
    const { callbacks, fetch } = this.setup;
    const context = { config: options.config ?? this.setup.config, agent: { extension: agent.number }, ...(callbacks ? { callbacks } : {}) };
    return hangUpCall(this.plan, context, { callId, ...(options.toNumber ? { toNumber: options.toNumber } : {}), ...(options.fields ? { fields: options.fields } : {}) }, fetch);
  }

  /** The extension's report of a call it placed; the relay must take it, as a new call (201) or one it knew (200). */
  async report(agent: TestAgent, report: CallReport): Promise<ApiResponse> {
    const response = await api(this.setup.relay, agent.token, 'POST', '/calls', report);
    expect([200, 201]).toContain(response.status);
    return response;
  }

  /**
   * Click to call, the extension's whole part: the engine places the call, which must succeed,
   * then the report the extension's own builder makes (`buildCallReport`, as background/calls.ts
   * does) goes to the relay under the call id the provider answered.
   */
  async clickToCall(agent: TestAgent, to: CallTarget, options: PlaceOptions = {}): Promise<{ placed: PlacedCall; callId: string; reported: ApiResponse }> {
    const placed = await this.place(agent, to, options);
    expect(placed.ok, placed.error).toBe(true);
    const report = buildCallReport(this.setup.instance, typeof to === 'string' ? to : to.number, placed.record);
    expect(report, 'the provider answered no call id').toBeDefined();
    const reported = await this.report(agent, report!);
    return { placed, callId: report!.call_id, reported };
  }
}

/**
 * A call's recording as a relay in front of a provider whose connector fetches recordings
 * (`<recording>`) gives it: the relay's link for that call (recordings/link.ts), the provider's
 * kept in the call's extra. For `toMatchObject`.
 */
export function heardThroughRelay(publicUrl: string, callId: string, providerUrl: string) {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    recording_url: expect.stringMatching(new RegExp(`^${escape(publicUrl)}/recordings/in_[\\w-]+/[\\w-]{22}\\?call=${escape(encodeURIComponent(callId))}$`)),
    extra: { provider_recording_url: providerUrl },
  };
}

/**
 * Asserts that the events never take a call back to an earlier stage (`statusStage`; a status
 * word the relay does not know counts as earliest), and returns the stages.
 */
export function expectStatusesInOrder(events: CallEvent[]): number[] {
  const ranks = events.map((e) => (isCallStatus(e.call.status) ? statusStage(e.call.status) : -1));
  expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  return ranks;
}

/**
 * Waits until a call has ended on an agent's socket and checks its stream, as every outbound
 * flow test does: consecutive seqs from the welcome, `created` once then only `updated`, all
 * about that call, statuses never going back. Returns the events.
 */
export async function expectOneCallStream(socket: AgentClient, callId: string): Promise<CallEvent[]> {
  await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
  const events = socket.events;
  const start = socket.welcome!.seq;
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => start + i + 1));
  expect(events.map((e) => e.event)).toEqual(['created', ...events.slice(1).map(() => 'updated')]);
  expect(events.every((e) => e.call.call_id === callId)).toBe(true);
  expectStatusesInOrder(events);
  return events;
}
