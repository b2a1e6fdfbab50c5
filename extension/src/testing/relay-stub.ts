import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the stub received: what the extension sent the relay. */
export interface RelayRequest {
  method: string;
  /** Under `/api/v1`, with its query. */
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** What the stub answers to `METHOD /path`: a status and a JSON body, or a promise of them (an answer the test holds back). */
export type RelayRoutes = Record<string, (request: RelayRequest) => RelayAnswer | Promise<RelayAnswer>>;
type RelayAnswer = { status?: number; body?: unknown };

/**
 * The agent API as unit tests need it (the real relay runs in tests/ and e2e): a local HTTP
 * server on a port chosen at run time that records every request and answers from `routes`,
 * 404 for anything else. Tests of the extension's UI and background check what they send and
 * how they show each answer.
 */
export class RelayStub {
  readonly requests: RelayRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    public routes: RelayRoutes,
  ) {}

  static async start(routes: RelayRoutes = {}): Promise<RelayStub> {
    let stub: RelayStub | undefined;
    const server = createServer((req, res) => {
      // Our pages run at chrome-extension:// with the relay's host permission; happy-dom runs
      // them at another origin, so the stub allows any, as that permission does.
      res.setHeader('Access-Control-Allow-Origin', '*');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE', 'Access-Control-Allow-Headers': 'Authorization, Content-Type' });
        res.end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const request: RelayRequest = { method: req.method ?? 'GET', path: (req.url ?? '/').replace(/^\/api\/v1/, ''), authorization: req.headers.authorization, body: text ? JSON.parse(text) : undefined };
        stub!.requests.push(request);
        const route = stub!.routes[`${request.method} ${request.path}`];
        const answer = route ? await route(request) : { status: 404, body: { error: `no route ${request.method} ${request.path}` } };
        res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stub = new RelayStub(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, routes);
    return stub;
  }

  /** Requests to `METHOD /path` so far. */
  sent(route: string): RelayRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path}` === route);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
