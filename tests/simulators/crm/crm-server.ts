/**
 * The HTTP front every CRM simulator puts before its CRM: a server on a free loopback port with
 * the switches of `CrmSimulator` (crm-simulator.ts) said once: the request log, failures injected
 * on the next requests, an outage and held searches. What a CRM answers, and in which shape, stays
 * in its simulator, which hands this its `CrmBehaviour`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CrmSimulator, InjectedFailure, RecordedCrmRequest, SeedContact, SeedUser, StoredActivity } from './crm-simulator.ts';
import { closeServer, listen, readBody } from '../http.ts';

/** A request as a CRM route sees it. */
export interface CrmRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** What a CRM answers. A string body is sent as it is (Vtiger's HTML pages), any other as JSON, none at all for an empty one (Zoho's 204). */
export interface CrmAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The CRM-specific parts: its routes, how it says it failed, and which requests are searches. */
export interface CrmBehaviour {
  route(request: CrmRequest): CrmAnswer;
  /** An injected failure in the CRM's own shape (the request, where a CRM words a search's limit apart); the Retry-After asked for is added. */
  failure(failure: InjectedFailure, request: CrmRequest): CrmAnswer;
  /** Whether the request is a contact search (held by `holdSearches`). */
  isSearch(request: CrmRequest): boolean;
  /** A simulator bug as the CRM's own 500 (Vtiger's PHP fatal error is Apache's page); the CRM's injected 500 when absent. */
  crash?(error: Error): CrmAnswer;
  /** The text a `failNext` or `holdRequests` pattern is tested against: the URL when absent. Vtiger adds the form body, where its operation may travel. */
  failureTarget?(request: CrmRequest): string;
  /**
   * The CRM's published request-rate limits (per token), enforced once a test calls
   * `enforceRateLimits`: a request past one is answered with `limited`, the CRM's own 429.
   */
  rateLimits?: readonly CrmRateLimit[];
  limited?(limit: CrmRateLimit, request: CrmRequest): CrmAnswer;
  /** The Content-Type of a JSON answer as the CRM sends it (Zoho's `application/json;charset=UTF-8`); `application/json` when absent. */
  jsonType?: string;
}

/** At most `requests` of the requests it `applies` to received in any `perMs` (a sliding window; a refused request does not count). */
export interface CrmRateLimit {
  name: string;
  requests: number;
  perMs: number;
  applies(request: CrmRequest): boolean;
}

interface PendingFailure {
  remaining: number;
  failure: InjectedFailure;
  path?: RegExp;
}

export class CrmServer {
  /** Every request, oldest first; `status` stays 0 until its answer is sent (a held search waiting, an answer travelling). */
  readonly requests: RecordedCrmRequest[] = [];
  private readonly failures: PendingFailure[] = [];
  /** Open holds, each with the requests it holds and its release: a request is answered once none holding it is left. */
  private readonly holds = new Map<Promise<void>, { holds: (request: CrmRequest) => boolean; release: () => void }>();
  private isDown = false;
  private closing = false;
  /** When each limit's accepted requests came, while rate limits are enforced, and the clock they are read on. */
  private received: Map<CrmRateLimit, number[]> | undefined;
  private rateClock: () => number = () => performance.now();
  /** How long each answer travels back (`roundTrip`): none on loopback unless told. */
  private distance: { ms: number; travel: (ms: number) => Promise<void> } | undefined;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly behaviour: CrmBehaviour,
  ) {
    // Down keeps the port (another test could take a freed one) and resets every new connection.
    server.prependListener('connection', (socket: Socket) => {
      if (this.isDown) socket.destroy();
    });
  }

  static async start(behaviour: CrmBehaviour): Promise<CrmServer> {
    let crm: CrmServer | undefined;
    const { server, baseUrl } = await listen(
      (req, res) => crm!.receive(req, res),
      // Only when the CRM's own answers fail too (a client gone mid-body): a bare 500.
      (res) => {
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
    crm = new CrmServer(server, baseUrl, behaviour);
    return crm;
  }

  failNext(times: number, failure: InjectedFailure, path?: RegExp): void {
    if (times > 0) this.failures.push({ remaining: times, failure, path });
  }

  /** From now on, requests past the CRM's `rateLimits` are refused with its 429; `now` (ms) is when a request arrives (a test's own clock). */
  enforceRateLimits(now: () => number = () => performance.now()): void {
    this.rateClock = now;
    this.received = new Map((this.behaviour.rateLimits ?? []).map((limit) => [limit, []]));
  }

  /**
   * From now on each answer waits `ms` before it is sent, as from a CRM that far away (a bench's
   * remote CRM, issue 10): every request pays one round trip, Vtiger's getchallenge and login
   * included, each waiting on its own (concurrent ones are not queued). `travel` is the wait, a
   * timer unless a test holds it; 0 ends it.
   */
  roundTrip(ms: number, travel: (ms: number) => Promise<void> = (wait) => new Promise((resolve) => setTimeout(resolve, wait))): void {
    this.distance = ms > 0 ? { ms, travel } : undefined;
  }

  async down(): Promise<void> {
    this.isDown = true;
    // Kept-alive connections too: a CRM that is down answers nothing on them.
    this.server.closeAllConnections();
  }

  async up(): Promise<void> {
    this.isDown = false;
  }

  holdSearches(): () => void {
    return this.hold((request) => this.behaviour.isSearch(request));
  }

  holdRequests(pattern: RegExp): () => void {
    return this.hold((request) => pattern.test(this.target(request)));
  }

  private hold(holds: (request: CrmRequest) => boolean): () => void {
    let resolve!: () => void;
    const hold = new Promise<void>((r) => (resolve = r));
    const release = () => {
      this.holds.delete(hold);
      resolve();
    };
    this.holds.set(hold, { holds, release });
    return release;
  }

  async close(): Promise<void> {
    // Held searches are answered first, so that closing never waits on a hold a test forgot;
    // their answers say `Connection: close` (see `send`), so no keep-alive holds the close either.
    this.closing = true;
    for (const { release } of [...this.holds.values()]) release();
    await closeServer(this.server);
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const { pathname, searchParams } = new URL(url, this.baseUrl);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
    const request: CrmRequest = { method: req.method ?? 'GET', url, path: pathname, query: searchParams, headers, body: await readBody(req) };
    const recorded: RecordedCrmRequest = { method: request.method, url, headers, body: request.body, status: 0, at: Date.now() };
    this.requests.push(recorded);
    const answer = await this.answer(request);
    if (this.distance) await this.distance.travel(this.distance.ms);
    recorded.status = answer.status;
    this.send(res, answer);
  }

  private async answer(request: CrmRequest): Promise<CrmAnswer> {
    const { behaviour } = this;
    try {
      const failure = this.takeFailure(this.target(request));
      if (failure) return withRetryAfter(behaviour.failure(failure, request), failure.retryAfterSeconds);
      const over = this.overLimit(request);
      if (over) return behaviour.limited!(over, request);
      await this.released(request);
      return behaviour.route(request);
    } catch (error) {
      // A simulator bug reaches the connector as the CRM's own 500, never as a hung request; the header names the bug.
      const answer = behaviour.crash?.(error as Error) ?? behaviour.failure({ status: 500 }, request);
      return { ...answer, headers: { ...answer.headers, 'X-Simulator-Error': (error as Error).message.replace(/[^\x20-\x7e]/g, ' ').slice(0, 200) } };
    }
  }

  /** The first enforced limit this request would go past, else none, and the request counts in every limit it applies to. */
  private overLimit(request: CrmRequest): CrmRateLimit | undefined {
    if (!this.received) return undefined;
    const now = this.rateClock();
    const applying = [...this.received].filter(([limit]) => limit.applies(request));
    for (const [limit, times] of applying) {
      while (times.length > 0 && times[0]! <= now - limit.perMs) times.shift();
      if (times.length >= limit.requests) return limit;
    }
    for (const [, times] of applying) times.push(now);
    return undefined;
  }

  /** Resolves once no hold on this request is open, including holds taken while it waited. */
  private async released(request: CrmRequest): Promise<void> {
    for (;;) {
      const holding = [...this.holds].filter(([, hold]) => hold.holds(request)).map(([promise]) => promise);
      if (holding.length === 0) return;
      await Promise.all(holding);
    }
  }

  /** The text a `failNext` or `holdRequests` pattern is tested against. */
  private target(request: CrmRequest): string {
    return this.behaviour.failureTarget?.(request) ?? request.url;
  }

  /** The injected failure this request answers with, if any; it uses up one of its times. */
  private takeFailure(target: string): InjectedFailure | undefined {
    const pending = this.failures.find((f) => f.remaining > 0 && (!f.path || f.path.test(target)));
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining === 0) this.failures.splice(this.failures.indexOf(pending), 1);
    return pending.failure;
  }

  private send(res: ServerResponse, answer: CrmAnswer): void {
    // Nobody to answer: the connection was reset (down) or the client gave up.
    if (res.destroyed || res.headersSent) return;
    const json = answer.body !== undefined && typeof answer.body !== 'string';
    const type: Record<string, string> = json ? { 'Content-Type': this.behaviour.jsonType ?? 'application/json' } : {};
    const text = answer.body === undefined ? undefined : json ? JSON.stringify(answer.body) : (answer.body as string);
    // A connection kept alive after the last answer would hold close() for the client's keep-alive time.
    const closing: Record<string, string> = this.closing ? { Connection: 'close' } : {};
    res.writeHead(answer.status, { ...type, ...answer.headers, ...closing }).end(text);
  }
}

function withRetryAfter(answer: CrmAnswer, seconds: number | undefined): CrmAnswer {
  return seconds === undefined ? answer : { ...answer, headers: { ...answer.headers, 'Retry-After': String(seconds) } };
}

/** A CRM simulator served through a CrmServer: the switches are the server's; the CRM's own data is the subclass's. */
export abstract class ServedCrmSimulator implements CrmSimulator {
  abstract readonly config: Record<string, string>;
  abstract seed(contacts: SeedContact[]): string[];
  abstract seedUser(user: SeedUser): string;
  abstract activities(): StoredActivity[];

  protected constructor(protected readonly crm: CrmServer) {}

  get url(): string {
    return this.crm.baseUrl;
  }

  get requests(): RecordedCrmRequest[] {
    return this.crm.requests;
  }

  failNext(times: number, failure: InjectedFailure, path?: RegExp): void {
    this.crm.failNext(times, failure, path);
  }

  down(): Promise<void> {
    return this.crm.down();
  }

  up(): Promise<void> {
    return this.crm.up();
  }

  holdSearches(): () => void {
    return this.crm.holdSearches();
  }

  roundTrip(ms: number, travel?: (ms: number) => Promise<void>): void {
    this.crm.roundTrip(ms, travel);
  }

  enforceRateLimits(now?: () => number): void {
    this.crm.enforceRateLimits(now);
  }

  holdRequests(pattern: RegExp): () => void {
    return this.crm.holdRequests(pattern);
  }

  close(): Promise<void> {
    return this.crm.close();
  }
}

/** A JSON object request body, or undefined when it is none (each CRM words that error its own way). */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `text` matched literally inside a RegExp (the simulators' LIKE and wildcard searches). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
