/**
 * The HTTP side every CRM simulator shares: one real server on a free loopback port, the request
 * log, injected failures, down/up and held searches of `CrmSimulator` (crm-simulator.ts). What a
 * CRM answers, and in which shape, stays in its simulator, which hands this its `CrmBehaviour`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CrmSimulator, InjectedFailure, RecordedCrmRequest, SeedContact, StoredActivity } from './crm-simulator.ts';
import { closeServer, listen, readBody } from '../http.ts';

export interface CrmRequest {
  method: string;
  url: URL;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

export interface CrmAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON; absent for an empty body (Zoho's 204, Salesforce's PATCH 204). */
  body?: unknown;
}

export interface CrmBehaviour {
  respond(request: CrmRequest): CrmAnswer;
  /** The CRM's own answer for an injected failure (its 429 or 5xx body); the Retry-After asked for is added. */
  failure(failure: InjectedFailure): CrmAnswer;
  /** A contact search, which `holdSearches()` holds. */
  isSearch(request: CrmRequest): boolean;
}

interface PendingFailure {
  remaining: number;
  failure: InjectedFailure;
  path?: RegExp;
}

export class CrmHttpServer {
  /** Every request, oldest first; `status` stays 0 while a held search waits. */
  readonly requests: RecordedCrmRequest[] = [];
  private readonly failures: PendingFailure[] = [];
  private hold: { released: Promise<void>; release: () => void } | null = null;
  private isDown = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly behaviour: CrmBehaviour,
  ) {
    // Down keeps the port (another test could take a freed one) and resets every new connection.
    server.prependListener('connection', (socket: Socket) => {
      if (this.isDown) socket.destroy();
    });
  }

  static async start(behaviour: CrmBehaviour): Promise<CrmHttpServer> {
    let crm: CrmHttpServer | undefined;
    const { server, baseUrl } = await listen(
      (req, res) => crm!.handle(req, res),
      (res) => {
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
    crm = new CrmHttpServer(server, baseUrl, behaviour);
    return crm;
  }

  failNext(times: number, failure: InjectedFailure, path?: RegExp): void {
    this.failures.push({ remaining: times, failure, path });
  }

  holdSearches(): () => void {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const hold = { released, release };
    this.hold = hold;
    return () => {
      hold.release();
      if (this.hold === hold) this.hold = null;
    };
  }

  async down(): Promise<void> {
    this.isDown = true;
    this.server.closeAllConnections();
  }

  async up(): Promise<void> {
    this.isDown = false;
  }

  async close(): Promise<void> {
    this.hold?.release();
    this.server.closeAllConnections();
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const body = await readBody(req);
    const recorded: RecordedCrmRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers, body, status: 0 };
    this.requests.push(recorded);
    const request: CrmRequest = { method: recorded.method, url: new URL(recorded.url, this.url), headers, body };

    const failure = this.takeFailure(request.url);
    if (!failure && this.hold && this.behaviour.isSearch(request)) await this.hold.released;
    let answer: CrmAnswer;
    try {
      answer = failure ? this.failureAnswer(failure) : this.behaviour.respond(request);
    } catch (error) {
      // A simulator bug reaches the connector as the CRM's own 500, never as a hung request.
      answer = { ...this.behaviour.failure({ status: 500 }), headers: { 'X-Simulator-Error': (error as Error).message.replace(/[^\x20-\x7e]/g, ' ').slice(0, 200) } };
    }
    recorded.status = answer.status;
    if (res.destroyed) return;
    const contentType: Record<string, string> = answer.body === undefined ? {} : { 'Content-Type': 'application/json;charset=UTF-8' };
    res.writeHead(answer.status, { ...contentType, ...answer.headers });
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  private failureAnswer(failure: InjectedFailure): CrmAnswer {
    const answer = this.behaviour.failure(failure);
    if (failure.retryAfterSeconds === undefined) return answer;
    return { ...answer, headers: { ...answer.headers, 'Retry-After': String(failure.retryAfterSeconds) } };
  }

  private takeFailure(url: URL): InjectedFailure | undefined {
    const pending = this.failures.find((f) => f.remaining > 0 && (!f.path || f.path.test(url.pathname + url.search)));
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining === 0) this.failures.splice(this.failures.indexOf(pending), 1);
    return pending.failure;
  }
}

/** A CRM simulator served by a `CrmHttpServer`: the switches every test uses, said once; each CRM adds its data. */
export abstract class HttpCrmSimulator implements CrmSimulator {
  abstract readonly config: Record<string, string>;

  protected constructor(protected readonly http: CrmHttpServer) {}

  abstract seed(contacts: SeedContact[]): string[];
  abstract activities(): StoredActivity[];

  get url(): string {
    return this.http.url;
  }

  get requests(): RecordedCrmRequest[] {
    return this.http.requests;
  }

  failNext(times: number, failure: InjectedFailure, path?: RegExp): void {
    this.http.failNext(times, failure, path);
  }

  down(): Promise<void> {
    return this.http.down();
  }

  up(): Promise<void> {
    return this.http.up();
  }

  holdSearches(): () => void {
    return this.http.holdSearches();
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
