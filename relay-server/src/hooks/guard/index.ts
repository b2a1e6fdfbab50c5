import { type ConnectorPlan, constantTimeEqual, WEBHOOK_EVENTS, type WebhookEvent } from '@phone-connector/shared';
import type { Context, MiddlewareHandler } from 'hono';
import type { PlanResolver } from '../../instances/plans.ts';
import type { WebhookOutcome } from '../../metrics.ts';
import type { Agent, CallStore, Instance } from '../../store/index.ts';

export type HookEnv = {
  Variables: {
    outcome: WebhookOutcome;
    /** The raw body, as the provider signed it. */
    body: string;
    event: WebhookEvent;
    instance: Instance;
    owner: Agent;
    plan: ConnectorPlan;
  };
};

/** Providers' webhooks are small; anything bigger is refused without reading it all. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

/**
 * The checks a webhook passes before anything interprets it, in this order: method, size
 * (the raw body is read here, at most 64 KiB), event name, instance, secret (constant time).
 * A refusal answers with the status the protocol names and sets the metrics outcome.
 */
export function webhookGuard(options: { store: CallStore; plans: PlanResolver }): MiddlewareHandler<HookEnv> {
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
    const instance = options.store.instanceByUid(c.req.param('instance') ?? '');
    if (!instance) return refuse(c, 404, 'not_found', 'no such instance');
    if (!constantTimeEqual(c.req.param('secret') ?? '', instance.secret)) return refuse(c, 403, 'forbidden', 'wrong secret');
    const owner = options.store.agentById(instance.agentId);
    const plan = options.plans.planFor(instance);
    if (!owner || !plan) return refuse(c, 500, 'error', "this instance's connector cannot be loaded");
    c.set('body', body.text);
    c.set('event', event);
    c.set('instance', instance);
    c.set('owner', owner);
    c.set('plan', plan);
    await next();
  };
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
