import http from 'node:http';
import https from 'node:https';
import type { Fetch } from '@phone-connector/shared';

/** A CRM answer larger than this is refused rather than held in memory (a search answers kilobytes). */
export const MAX_CRM_ANSWER_BYTES = 16 * 1024 * 1024;

/** Redirects followed, as fetch does: a CRM site moved to https, or a load balancer's hop. */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

type Init = Parameters<Fetch>[1];
type Answer = Awaited<ReturnType<Fetch>>;

/**
 * The relay's network for CRM connectors: node:http over keep-alive agents. Node's fetch
 * (undici) cost about as much CPU per CRM request as the engine building it and reading the
 * answer, on the thread that answers webhooks (docs/benchmarks.md, "Relay with a CRM"); the
 * engine needs only status, headers and text, which node:http gives for less. Each request has
 * `timeoutMs` from sending to the last byte of the answer (redirects included): a CRM that hangs
 * never holds a lookup or an outbox row.
 */
export class CrmHttpClient {
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(private readonly timeoutMs: number) {}

  readonly fetch: Fetch = (url, init) => this.send(new URL(url), init, Date.now() + this.timeoutMs, 0);

  /** Closes the idle connections (the relay is stopping). */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private send(url: URL, init: Init, deadline: number, redirects: number): Promise<Answer> {
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return Promise.reject(new TypeError(`${url.protocol} is not http: or https:`));
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
    return new Promise<Answer>((resolve, reject) => {
      const request = (secure ? https : http).request(requestOptions(url, init.method, headers, secure ? this.agents.https : this.agents.http), (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (REDIRECT_STATUSES.has(status) && location !== undefined && redirects < MAX_REDIRECTS) {
          clearTimeout(timer);
          response.resume();
          // As fetch: 303, and 301/302 after a POST, go on as a GET without the body.
          const asGet = status === 303 || ((status === 301 || status === 302) && init.method === 'POST');
          const next = asGet ? { method: 'GET', headers: withoutBodyHeaders(init.headers) } : init;
          resolve(this.send(new URL(location, url), next, deadline, redirects + 1));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_CRM_ANSWER_BYTES) request.destroy(new Error(`the answer is larger than ${MAX_CRM_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(timer);
          const body = Buffer.concat(chunks).toString('utf8');
          const answerHeaders = Object.entries(response.headers).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined);
          resolve({
            status,
            headers: { forEach: (callback) => answerHeaders.forEach(([key, value]) => callback(Array.isArray(value) ? value.join(', ') : value, key)) },
            text: () => Promise.resolve(body),
          });
        });
        response.on('error', fail);
      });
      const timer = setTimeout(() => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
      function fail(error: Error) {
        clearTimeout(timer);
        reject(error);
      }
      request.on('error', fail);
      request.end(init.body);
    });
  }
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-(type|length)$/i.test(name)));
}

/**
 * A request's options, its destination as node:http reads it from a URL (`urlToHttpOptions`) but
 * for the parts it uses: handed the URL itself, it read every part (`href` too) and copied them
 * with the options into one more object, on every CRM request (issue 10).
 */
function requestOptions(url: URL, method: string, headers: http.OutgoingHttpHeaders, agent: http.Agent): http.RequestOptions {
  const options: http.RequestOptions = { protocol: url.protocol, hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname, path: url.pathname + url.search, method, headers, agent };
  if (url.port !== '') options.port = Number(url.port);
  if (url.username !== '' || url.password !== '') options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return options;
}
