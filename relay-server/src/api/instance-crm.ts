import { type CrmSession, type CrmTestResult, type DispositionList, toE164 } from '@phone-connector/shared';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth/index.ts';
import { crmSession } from '../crm/call-log.ts';
import { withTimeout } from '../crm/with-timeout.ts';
import type { RelayDeps } from '../deps.ts';
import type { Agent, Instance } from '../store/index.ts';
import { agentCountry } from '../instances/context.ts';
import { type Parsed, readJson } from './body.ts';

/** How long a CRM's dispositions are reused: agents open the wrap-up form often, the picklist rarely changes. */
const DISPOSITIONS_TTL_MS = 60_000;
/** A CRM answer an agent waits for in the options page. */
const INTERACTIVE_TIMEOUT_MS = 15_000;

const crmTestSchema = z.object({ number: z.string().min(1).max(64) });

/** Why an instance's CRM cannot answer, and what to do about it. */
function noCrm(instance: Instance): string {
  return instance.crm
    ? `the instance's CRM connector "${instance.crm.connector}" cannot be loaded; GET /api/v1/instances/${instance.localId} says why (crm.warnings)`
    : `the instance has no CRM: add one with PUT /api/v1/instances/${instance.localId} and "crm": {"connector", "config"} beside its provider`;
}

/** `/instances/:id/crm/…`: what the options page and the wrap-up form ask the instance's CRM. */
export function instanceCrmApp(deps: RelayDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const dispositions = new Map<string, { updatedAt: string; expires: number; list: string[] }>();

  /** The agent's instance `:id` and its CRM's session, or the answer saying why there is none (404, 409). */
  const instanceCrm = async (c: Context<AuthEnv, '/:id/*'>): Promise<Parsed<{ instance: Instance; session: CrmSession }>> => {
    const instance = await deps.store.instanceOf(c.get('agent').id, c.req.param('id'));
    if (!instance) return { ok: false, response: c.json({ error: 'no such instance' }, 404) };
    const session = instance.crm ? await crmSession(deps, deps.store, instance) : undefined;
    if (!session) return { ok: false, response: c.json({ error: noCrm(instance) }, 409) };
    return { ok: true, value: { instance, session } };
  };

  app.get('/:id/crm/dispositions', async (c) => {
    const found = await instanceCrm(c);
    if (!found.ok) return found.response;
    const { instance, session } = found.value;
    const now = deps.now().getTime();
    const answer = (list: string[]) => c.json({ dispositions: list, crm: session.name, updates_logged_calls: session.canUpdate } satisfies DispositionList);
    const cached = dispositions.get(instance.uid);
    if (cached && cached.updatedAt === instance.updatedAt && cached.expires > now) return answer(cached.list);
    const outcome = await withTimeout(() => session.dispositions(), INTERACTIVE_TIMEOUT_MS);
    deps.metrics.crmRequest('dispositions', outcome);
    if (!outcome.ok) return c.json({ error: `the CRM did not give its dispositions: ${outcome.error}` }, 502);
    dispositions.set(instance.uid, { updatedAt: instance.updatedAt, expires: now + DISPOSITIONS_TTL_MS, list: outcome.value });
    return answer(outcome.value);
  });

  // "Test connection": a lookup run now, past the cache, so the agent sees what the CRM says today.
  app.post('/:id/crm/test', async (c) => {
    const parsed = await readJson(c, crmTestSchema);
    if (!parsed.ok) return parsed.response;
    const found = await instanceCrm(c);
    if (!found.ok) return found.response;
    const { instance, session } = found.value;
    const agent = c.get('agent');
    const number = toE164(parsed.value.number, agentCountry(agent));
    if (!number) return c.json({ error: `number: "${parsed.value.number}" is not a phone number (give it in E.164, e.g. +14155550100, or set your country)` }, 400);
    const [outcome, user] = await Promise.all([deps.crm.lookup.fetch(instance.uid, session, number), crmUserOf(session, agent)]);
    const result: CrmTestResult = outcome.ok ? { ok: true, contacts: outcome.value, error: null } : { ok: false, contacts: [], error: outcome.error };
    return c.json(user ? { ...result, user } : result);
  });

  return app;
}

/** Whom the agent's calls are logged for, asked of the CRM now (not the outbox's kept answer): what "Test connection" shows. */
async function crmUserOf(session: CrmSession, agent: Agent): Promise<CrmTestResult['user']> {
  if (!session.findUser) return undefined;
  if (!agent.email) return { email: null, id: null, error: null };
  const found = await session.findUser(agent.email, agent.name);
  return { email: agent.email, id: found.ok ? found.value : null, error: found.ok ? null : found.error };
}
