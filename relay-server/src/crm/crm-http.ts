import http from 'node:http';
import https from 'node:https';
import type { Fetch } from '@phone-connector/shared';

/** A CRM answer larger than this is refused rather than held in memory (a search answers kilobytes). */
export const MAX_CRM_ANSWER_BYTES = 16 * 1024 * 1024;

/** Redirects followed, as fetch does: a CRM site moved to https, or a load balancer's hop. */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Methods node:http sends no Content-Length for when they have no body. */
const BODILESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

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
    return new Promise<Answer>((resolve, reject) => {
      const request = (secure ? https : http).request(requestOptions(url, init, secure ? this.agents.https : this.agents.http), (response) => {
        const status = response.statusCode ?? 0;
        // The answer's headers read only when asked for: node:http makes them an object from its raw lines on first use.
        const location = REDIRECT_STATUSES.has(status) ? response.headers.location : undefined;
        if (location !== undefined && redirects < MAX_REDIRECTS) {
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
          const body = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8');
          resolve({
            status,
            headers: {
              forEach: (callback) => {
                for (const [key, value] of Object.entries(response.headers)) if (value !== undefined) callback(Array.isArray(value) ? value.join(', ') : value, key);
              },
            },
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
 * with the options into one more object, on every CRM request (issue 10). The headers go as one
 * flat list of names and values, which node:http writes as they are (checked, as ever): given
 * an object, it set each one by one into a map of its own, then added Host and the URL's
 * credentials, which this list carries instead.
 */
function requestOptions(url: URL, init: Init, agent: http.Agent): http.RequestOptions {
  const headers: string[] = [];
  let host = true;
  let authorization = url.username !== '' || url.password !== '';
  for (const name of Object.keys(init.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') continue;
    headers.push(name, init.headers[name]!);
    if (lower === 'host') host = false;
    else if (lower === 'authorization') authorization = false;
  }
  // As node:http: the URL's host (its port left out when it is the scheme's), and its user and password as Basic credentials unless the request has its own.
  if (host) headers.push('Host', url.host);
  if (authorization) headers.push('Authorization', `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`);
  // The body's length, and 0 for a PUT or POST without one (HubSpot's association PUT), which node:http would otherwise send chunked.
  if (init.body !== undefined) headers.push('Content-Length', String(Buffer.byteLength(init.body)));
  else if (!BODILESS_METHODS.has(init.method.toUpperCase())) headers.push('Content-Length', '0');
  const options: http.RequestOptions = { protocol: url.protocol, hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname, path: url.pathname + url.search, method: init.method, headers, agent };
  if (url.port !== '') options.port = Number(url.port);
  return options;
}
