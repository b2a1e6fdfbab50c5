/**
 * The switches every CRM simulator offers (CrmSimulator in crm-simulator.ts), in one place: the
 * request log, failures injected on the next requests, an outage, and held searches. The CRM's
 * own routes, bodies and error shapes come from the simulator that serves through it.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CrmSimulator, InjectedFailure, RecordedCrmRequest, SeedContact, StoredActivity } from './crm-simulator.ts';
import { closeServer, listen, readBody } from '../http.ts';

/** A request as a CRM route sees it. */
export interface CrmRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
}

/** What a CRM route answers; a body that is not a string is sent as JSON. */
export interface CrmAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The CRM-specific parts: its routes, how it says it failed, and which requests are searches. */
export interface CrmBehaviour {
  route(request: CrmRequest): CrmAnswer | Promise<CrmAnswer>;
  /** An injected failure in the CRM's own shape (the request, where the CRM words a search's limit apart). */
  failure(failure: InjectedFailure, request: CrmRequest): CrmAnswer;
  /** A simulator bug, answered as the CRM's own 500 rather than a hung request. */
  crash(error: Error): CrmAnswer;
  /** Whether the request is a contact search (held by `holdSearches`). */
  isSearch(request: CrmRequest): boolean;
}

interface PendingFailure {
  remaining: number;
  failure: InjectedFailure;
  path?: RegExp;
}

export class CrmServer {
  /** Every request, oldest first; `status` stays 0 while a held search waits. */
  readonly requests: RecordedCrmRequest[] = [];
  private readonly failures: PendingFailure[] = [];
  private readonly sockets = new Set<Socket>();
  private isDown = false;
  private searchGate: Promise<void> | null = null;
  private readonly releases = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {
    server.on('connection', (socket: Socket) => {
      // A CRM that is down resets every connection: the caller sees a network error, not a status.
      if (this.isDown) return void socket.destroy();
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(behaviour: CrmBehaviour): Promise<CrmServer> {
    let crm: CrmServer | undefined;
    const { server, baseUrl } = await listen(
      (req, res) => crm!.handle(behaviour, req, res),
      (res, error) => send(res, behaviour.crash(error)),
    );
    crm = new CrmServer(server, baseUrl);
    return crm;
  }

  failNext(times: number, failure: InjectedFailure, path?: RegExp): void {
    this.failures.push({ remaining: times, failure, path });
  }

  async down(): Promise<void> {
    this.isDown = true;
    for (const socket of this.sockets) socket.destroy();
  }

  async up(): Promise<void> {
    this.isDown = false;
  }

  holdSearches(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const previous = this.searchGate;
    this.searchGate = previous ? Promise.all([previous, gate]).then(() => undefined) : gate;
    const done = () => {
      this.releases.delete(done);
      release();
      if (this.releases.size === 0) this.searchGate = null;
    };
    this.releases.add(done);
    return done;
  }

  async close(): Promise<void> {
    for (const release of [...this.releases]) release();
    const closed = closeServer(this.server);
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(behaviour: CrmBehaviour, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://crm');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
    const request: CrmRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, body: await readBody(req) };
    const recorded: RecordedCrmRequest = { method: request.method, url: req.url ?? '/', headers, body: request.body, status: 0 };
    this.requests.push(recorded);
    let answer: CrmAnswer;
    const failure = this.takeFailure(request.path);
    if (failure) answer = behaviour.failure(failure, request);
    else {
      if (this.searchGate && behaviour.isSearch(request)) await this.searchGate;
      try {
        answer = await behaviour.route(request);
      } catch (error) {
        answer = behaviour.crash(error as Error);
      }
    }
    recorded.status = answer.status;
    send(res, answer);
  }

  private takeFailure(path: string): InjectedFailure | undefined {
    const pending = this.failures.find((f) => f.remaining > 0 && (!f.path || f.path.test(path)));
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining === 0) this.failures.splice(this.failures.indexOf(pending), 1);
    return pending.failure;
  }
}

/** A CRM simulator served through a CrmServer: the switches are the server's; the CRM's own data is the subclass's. */
export abstract class ServedCrmSimulator implements CrmSimulator {
  abstract readonly config: Record<string, string>;
  abstract seed(contacts: SeedContact[]): string[];
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

  close(): Promise<void> {
    return this.crm.close();
  }
}

function send(res: ServerResponse, answer: CrmAnswer): void {
  if (res.headersSent) return;
  const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const type = typeof answer.body === 'string' ? {} : { 'Content-Type': 'application/json' };
  res.writeHead(answer.status, { ...type, ...answer.headers }).end(text);
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

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
