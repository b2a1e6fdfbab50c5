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
    const body = await readBounded(c.req.raw, MAX_WEBHOOK_BYTES);
    if (body.kind === 'too-large') return refuse(c, 413, 'too_large', `the body is larger than ${MAX_WEBHOOK_BYTES} bytes`);
    if (body.kind === 'cut-off') return refuse(c, 400, 'aborted', 'the connection closed before the body was complete');
    const event = c.req.param('event') as WebhookEvent;
    if (!WEBHOOK_EVENTS.includes(event)) return refuse(c, 404, 'not_found', `unknown event: use ${WEBHOOK_EVENTS.join(', ')}`);
    const instance = await options.store.instanceByUid(c.req.param('instance') ?? '');
    if (!instance) return refuse(c, 404, 'not_found', 'no such instance');
    if (!constantTimeEqual(c.req.param('secret') ?? '', instance.secret)) return refuse(c, 403, 'forbidden', 'wrong secret');
    const owner = await options.store.agentById(instance.agentId);
    const plan = options.plans.planFor(instance);
    if (!owner || !plan) return refuse(c, 500, 'error', "this instance's connector cannot be loaded");
    c.set('event', event);
    c.set('instance', instance);
    c.set('owner', owner);
    c.set('plan', plan);
    c.set('request', { method: c.req.method, url: `${options.publicUrl()}${requestTarget(c)}`, headers: Object.fromEntries(c.req.raw.headers), body: body.text });
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
 * The body as text; `too-large` when it is (or announces itself) larger than `max` bytes;
 * `cut-off` when it cannot be read to its end, which only the client causes (it closed the
 * connection, or broke the framing and the server closed it).
 */
async function readBounded(request: Request, max: number): Promise<BoundedBody> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > max) return { kind: 'too-large' };
  if (!request.body) return { kind: 'read', text: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch {
      return { kind: 'cut-off' };
    }
    if (next.done) break;
    size += next.value.byteLength;
    if (size > max) {
      await reader.cancel();
      return { kind: 'too-large' };
    }
    chunks.push(next.value);
  }
  return { kind: 'read', text: Buffer.concat(chunks).toString('utf8') };
}
