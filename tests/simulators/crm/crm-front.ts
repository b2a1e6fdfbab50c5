/**
 * The HTTP front every CRM simulator puts before its CRM: a server on a free loopback port that
 * records each request, answers the failures a test planned (`failNext`), drops connections while
 * the CRM is down and holds contact searches while a test wants a slow CRM. The switches of
 * `CrmSimulator` live here once; what the CRM itself answers stays in each CRM's simulator.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeServer, listen, readBody } from '../http.ts';
import type { InjectedFailure, RecordedCrmRequest } from './crm-simulator.ts';

/** One request as the CRM simulator behind the front sees it. */
export interface CrmRequest {
  req: IncomingMessage;
  url: URL;
  body: string;
}

export interface CrmServerOptions {
  /** Answers one request the way the CRM does. */
  handle: (request: CrmRequest, res: ServerResponse) => Promise<void>;
  /** Answers a planned failure in the shape the CRM (or the proxy before it) uses. */
  answerFailure: (res: ServerResponse, failure: InjectedFailure) => void;
  /** Answers a simulator bug as the CRM's own server error, so that a request never hangs. */
  answerCrash: (res: ServerResponse, error: Error) => void;
  /**
   * The text a `failNext` path pattern is tested against; the URL (path and query) by default.
   * A CRM that takes its operation from the body (Vtiger) adds the body.
   */
  failureTarget?: (request: CrmRequest) => string;
}

interface PlannedFailure {
  remaining: number;
  failure: InjectedFailure;
  path?: RegExp;
}

export class CrmServer {
  readonly requests: RecordedCrmRequest[] = [];
  private readonly planned: PlannedFailure[] = [];
  private readonly sockets = new Set<Socket>();
  private isDown = false;
  private closing = false;
  /** Open holds on searches; a search waits until every one of them is released. */
  private readonly holds = new Set<Promise<void>>();
  private readonly releases = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {
    server.on('connection', (socket: Socket) => {
      // A CRM that is down resets every connection, including those opened while it was up.
      if (this.isDown) return void socket.destroy();
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: CrmServerOptions): Promise<CrmServer> {
    let front: CrmServer | undefined;
    const { server, baseUrl } = await listen((req, res) => front!.receive(req, res, options), options.answerCrash);
    front = new CrmServer(server, baseUrl);
    return front;
  }

  failNext(times: number, failure: InjectedFailure, path?: RegExp): void {
    if (times > 0) this.planned.push({ remaining: times, failure, ...(path ? { path } : {}) });
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
    const hold = new Promise<void>((resolve) => (release = resolve));
    this.holds.add(hold);
    const end = () => {
      this.holds.delete(hold);
      this.releases.delete(end);
      release();
    };
    this.releases.add(end);
    return end;
  }

  /** Resolves once no hold is open: a search calls this before it answers. */
  async searchesReleased(): Promise<void> {
    while (this.holds.size > 0) await Promise.all([...this.holds]);
  }

  async close(): Promise<void> {
    // Held searches are answered first, so that closing never waits on a test that forgot one.
    this.closing = true;
    for (const release of [...this.releases]) release();
    await closeServer(this.server);
  }

  private async receive(req: IncomingMessage, res: ServerResponse, options: CrmServerOptions): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.baseUrl);
    const record: RecordedCrmRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: plainHeaders(req), body, status: 0 };
    this.requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
      // A connection kept alive after the last answer would hold close() for the client's keep-alive time.
      if (this.closing) setImmediate(() => this.server.closeIdleConnections());
    });
    const request: CrmRequest = { req, url, body };
    const failure = this.takeFailure((options.failureTarget ?? ((r) => r.req.url ?? '/'))(request));
    if (failure) return options.answerFailure(res, failure);
    await options.handle(request, res);
  }

  /** The planned failure this request answers with, if any; it uses up one of its times. */
  private takeFailure(target: string): InjectedFailure | undefined {
    const plan = this.planned.find((p) => p.remaining > 0 && (!p.path || p.path.test(target)));
    if (!plan) return undefined;
    plan.remaining -= 1;
    if (plan.remaining === 0) this.planned.splice(this.planned.indexOf(plan), 1);
    return plan.failure;
  }
}

function plainHeaders(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
}
