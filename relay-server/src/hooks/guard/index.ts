import { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type ConnectorPlan, constantTimeEqual, type RunContext, WEBHOOK_EVENTS, type WebhookEvent, type WebhookRequest } from '@phone-connector/shared';
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { runContext } from '../../instances/context.ts';
import type { PlanResolver } from '../../instances/plans.ts';
import type { WebhookOutcome } from '../../metrics.ts';
import type { Agent, RelayStore, Instance } from '../../store/index.ts';

/** A webhook the guard let through: its instance, owner and connector, and the request as the provider sent it. */
export interface VerifiedWebhook {
  event: WebhookEvent;
  instance: Instance;
  owner: Agent;
  plan: ConnectorPlan;
  /** The webhook as the provider sent it: public URL and request target, headers, raw body. */
  request: WebhookRequest;
  /** The engine's view of the instance, for every step that runs the connector. */
  context: RunContext;
}

export type HookEnv = {
  Bindings: Partial<HttpBindings>;
  Variables: VerifiedWebhook & { outcome: WebhookOutcome };
};

/** Providers' webhooks are small; anything bigger is refused without reading it all. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

/**
 * The checks a webhook passes before anything interprets it, in this order: method, size
 * (the raw body is read here, at most 64 KiB), event name, instance, secret (constant time).
 * A refusal answers with the status the protocol names and sets the metrics outcome. What
 * passes carries the webhook request and the run context, built here once for every later step.
 */
export function webhookGuard(options: { store: RelayStore; plans: PlanResolver; publicUrl: () => string }): MiddlewareHandler<HookEnv> {
  return async function webhookGuardHandler(c, next) {
    if (c.req.method !== 'GET' && c.req.method !== 'POST') {
      c.header('Allow', 'GET, POST');
      return refuse(c, 405, 'method_not_allowed', 'webhooks are GET or POST');
    }
    const headers = requestHeaders(c);
    const body = await readBounded(headers['content-length'], requestBody(c), MAX_WEBHOOK_BYTES);
    if (body.kind === 'too-large') return refuse(c, 413, 'too_large', `the body is larger than ${MAX_WEBHOOK_BYTES} bytes`);
    if (body.kind === 'cut-off') return refuse(c, 400, 'aborted', 'the connection closed before the body was complete');
    const event = c.req.param('event') as WebhookEvent;
    if (!WEBHOOK_EVENTS.includes(event)) return refuse(c, 404, 'not_found', `unknown event: use ${WEBHOOK_EVENTS.join(', ')}`);
    // The instance with its owner in one read rather than two: every webhook starts with it (issue 13).
    const found = await options.store.instanceWithOwner(c.req.param('instance') ?? '');
    if (!found) return refuse(c, 404, 'not_found', 'no such instance');
    const { instance, owner } = found;
    if (!constantTimeEqual(c.req.param('secret') ?? '', instance.secret)) return refuse(c, 403, 'forbidden', 'wrong secret');
    const plan = await options.plans.planFor(instance);
    if (!plan) return refuse(c, 500, 'error', "this instance's connector cannot be loaded");
    c.set('event', event);
    c.set('instance', instance);
    c.set('owner', owner);
    c.set('plan', plan);
    c.set('request', { method: c.req.method, url: `${options.publicUrl()}${requestTarget(c)}`, headers, body: body.text });
    c.set('context', runContext(instance, owner, options.publicUrl()));
    await next();
  };
}

/**
 * Path and query as the client sent them (Node's raw request target when available). Providers
 * sign the address they called, and re-encoding the query (`'` to `%27`) would break that.
 */
function requestTarget(c: Context<HookEnv>): string {
  const raw = c.env?.incoming?.url;
  if (raw?.startsWith('/')) return raw;
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}

export function refuse<E extends HookEnv>(c: Context<E>, status: 400 | 403 | 404 | 405 | 413 | 500, outcome: WebhookOutcome, error: string): Response {
  c.set('outcome', outcome);
  return c.json({ error }, status);
}

type BoundedBody = { kind: 'read'; text: string } | { kind: 'too-large' } | { kind: 'cut-off' };

/**
 * The request's headers by lower-case name, repeated ones joined with `, ` as fetch's Headers
 * joins them: from Node's raw header list when the relay serves the request, which spares
 * @hono/node-server building a Headers object for every webhook (issue 13), else from the fetch
 * Request (`app.request()` in tests).
 */
function requestHeaders(c: Context<HookEnv>): Record<string, string> {
  const raw = c.env?.incoming?.rawHeaders;
  if (!raw) return Object.fromEntries(c.req.raw.headers);
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

/**
 * The body's bytes as they arrive: from Node's own request when the relay serves it, else from
 * the fetch Request (`app.request()` in tests). Reading the Request's body stream made
 * @hono/node-server build a whole fetch Request and a web stream over Node's for every webhook:
 * about 4 % of the relay's CPU under load (issue 13's profile).
 */
function requestBody(c: Context<HookEnv>): Readable | null {
  const incoming = c.env?.incoming;
  if (incoming instanceof Readable) return incoming;
  return c.req.raw.body && Readable.fromWeb(c.req.raw.body as WebReadableStream<Uint8Array>);
}

/**
 * Stops reading a body and drops what is left of it, keeping the connection: destroying Node's
 * server request with its socket attached destroys the socket and the answer with it, so it is
 * detached first, as Node's own stream helpers (an async iterator left early) do.
 */
function discard(body: Readable): void {
  if (body instanceof IncomingMessage) (body as { socket: IncomingMessage['socket'] | null }).socket = null;
  body.destroy();
}

/**
 * The body as text; `too-large` when it is (or announces itself) larger than `max` bytes, and
 * the stream is destroyed: the rest of an oversized body is never read; `cut-off` when it
 * cannot be read to its end, which only the client causes (it closed the connection, or broke
 * the framing and the server closed it). Read through the stream's events: an async iterator
 * over it cost a promise per chunk and about 3 % of the relay's CPU (issue 13).
 */
function readBounded(declared: string | undefined, body: Readable | null, max: number): Promise<BoundedBody> {
  if (declared !== undefined && Number(declared) > max) return Promise.resolve({ kind: 'too-large' });
  if (!body || body.readableEnded) return Promise.resolve({ kind: 'read', text: '' });
  if (body.destroyed) return Promise.resolve({ kind: 'cut-off' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Methods of one object, not named closures: the relay's tsx keeps names, a `defineProperty` per
    // named closure made, four per webhook here (issue 13). The stream calls them with itself as
    // `this`: they use none.
    const on = {
      finish(result: BoundedBody) {
        body.off('data', on.data).off('end', on.end).off('error', on.cutOff).off('close', on.cutOff);
        resolve(result);
      },
      data(chunk: Buffer | string) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += bytes.byteLength;
        if (size <= max) return void chunks.push(bytes);
        on.finish({ kind: 'too-large' });
        discard(body);
      },
      end() {
        // A webhook's body comes in one chunk, most of the time: read as it is, not copied first.
        on.finish({ kind: 'read', text: (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8') });
      },
      // 'close' before 'end': the stream ended without its last bytes.
      cutOff() {
        on.finish({ kind: 'cut-off' });
      },
    };
    body.on('data', on.data).on('end', on.end).on('error', on.cutOff).on('close', on.cutOff);
  });
}
