import { instanceBodySchema, type InstanceView, openNow, ringsNobodyWhileAway } from '@phone-connector/shared';
import { Hono } from 'hono';
import type { AuthEnv } from '../auth/index.ts';
import { generateCallbackSecret, randomId } from '../auth/token.ts';
import type { RelayDeps } from '../deps.ts';
import { callbackUrls, diagnosticJson, maskedConfig, registerInstance, type DiagnosticJson } from '../instances/register.ts';
import { crmSession } from '../crm/call-log.ts';
import { runContext } from '../instances/context.ts';
import { registerCrm } from '../crm/setup.ts';
import type { Agent, Instance, InstanceCrm } from '../store/index.ts';
import { readJson } from './body.ts';

export const INSTANCE_ID = /^[a-z0-9_-]{1,64}$/;

/** `/instances`: the agent's connector instances and their callback URLs. */
export function instancesApp(deps: RelayDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  const instanceJson = async (instance: Instance, owner: Agent, warnings?: DiagnosticJson[], crmWarnings?: DiagnosticJson[]): Promise<InstanceView> => {
    const plan = await deps.plans.planFor(instance);
    return {
      id: instance.localId,
      connector: instance.connector,
      name: plan?.name ?? instance.connector,
      config: maskedConfig(plan, instance.config),
      callbacks: callbackUrls(deps.publicUrl(), instance),
      warnings: warnings ?? (plan ? plan.warnings.map(diagnosticJson) : [unavailable(instance)]),
      crm: instance.crm && crmJson(instance, instance.crm, crmWarnings),
      hours: instance.hours,
      open_now: instance.hours && openNow(instance.hours, deps.now()),
      away_voicemail: plan ? ringsNobodyWhileAway(plan, runContext(instance, owner, deps.publicUrl())) : false,
    };
  };

  const crmJson = (instance: Instance, crm: InstanceCrm, warnings?: DiagnosticJson[]): NonNullable<InstanceView['crm']> => {
    const plan = deps.crm.connectors.planFor(instance);
    return {
      connector: crm.connector,
      name: plan?.name ?? crm.connector,
      config: maskedConfig(plan, crm.config),
      warnings: warnings ?? (plan ? plan.warnings.map(diagnosticJson) : [unavailable(instance, 'crm')]),
    };
  };

  app.get('/', async (c) => c.json(await Promise.all((await deps.store.instancesOf(c.get('agent').id)).map((i) => instanceJson(i, c.get('agent'))))));

  app.get('/:id', async (c) => {
    const instance = await deps.store.instanceOf(c.get('agent').id, c.req.param('id'));
    return instance ? c.json(await instanceJson(instance, c.get('agent'))) : c.json({ error: 'no such instance' }, 404);
  });

  app.put('/:id', async (c) => {
    const localId = c.req.param('id');
    if (!INSTANCE_ID.test(localId)) return c.json({ error: 'instance ids are 1 to 64 characters among a-z, 0-9, _ and -' }, 400);
    const parsed = await readJson(c, instanceBodySchema);
    if (!parsed.ok) return parsed.response;
    const agent = c.get('agent');
    const previous = await deps.store.instanceOf(agent.id, localId);
    // A new instance gets its uid and secret now, since its callback URLs go into its config.
    const keys = previous ?? { uid: randomId('in_'), secret: generateCallbackSecret() };
    const registration = registerInstance(parsed.value, {
      localId,
      bundled: deps.plans.bundled,
      callbacks: callbackUrls(deps.publicUrl(), keys),
      previous,
    });
    if (!registration.ok) return c.json({ error: registration.error, diagnostics: registration.diagnostics }, 422);
    const crmRequest = parsed.value.crm;
    const crm = crmRequest ? registerCrm(crmRequest, { localId, connectors: deps.crm.connectors, previous: previous?.crm ?? null }) : undefined;
    if (crm && !crm.ok) return c.json({ error: crm.error, diagnostics: crm.diagnostics }, 422);
    const instance = await deps.store.putInstance(
      {
        agentId: agent.id,
        localId,
        connector: registration.connector,
        xml: registration.xml,
        config: registration.config,
        // Absent keeps the instance's CRM; null removes it.
        crm: crm ? crm.crm : crmRequest === null ? null : (previous?.crm ?? null),
        hours: parsed.value.hours === undefined ? (previous?.hours ?? null) : parsed.value.hours,
        at: deps.now().toISOString(),
      },
      keys,
    );
    deps.plans.forget(instance.uid);
    // A new CRM setup may find other contacts, or answer where the old one failed: nothing known of the old one is trusted.
    deps.crm.connectors.forget(instance.uid);
    deps.crm.lookup.forget(instance.uid);
    deps.crm.breaker.forget(instance.uid);
    // The CRM thread of a relay that had no CRM until now: the setup is answered once it is ready (its
    // first time, 0.6 to 1 s), so the instance's first calls find it loaded. Started unawaited, the
    // fifty calls of the CRM bench's call-centre pace, sent right after the setup, all fell into that
    // load: none had its contact on its first event (docs/benchmarks.md, "Relay with a CRM").
    // The instance's session is opened now too (its custom connector compiled in the thread), not in
    // its first call's lookup, and signed in unawaited (Vtiger's challenge and login): the save does not
    // wait on a slow CRM, nor fail with one that is down, and the first call sends only its search.
    if (instance.crm) {
      await deps.crm.connectors.start();
      await crmSession(deps, deps.store, instance);
      deps.crm.signIn(instance);
    }
    deps.log.info('instance saved', { agent: agent.id, instance: instance.uid, connector: instance.connector, crm: instance.crm?.connector ?? null, hours: instance.hours !== null, created: !previous });
    return c.json(await instanceJson(instance, agent, registration.warnings, crm?.warnings));
  });

  app.delete('/:id', async (c) => {
    const agent = c.get('agent');
    const instance = await deps.store.instanceOf(agent.id, c.req.param('id'));
    if (!instance || !(await deps.store.deleteInstance(agent.id, instance.localId))) return c.json({ error: 'no such instance' }, 404);
    deps.plans.forget(instance.uid);
    deps.crm.connectors.forget(instance.uid);
    deps.crm.lookup.forget(instance.uid);
    deps.crm.breaker.forget(instance.uid);
    deps.log.info('instance deleted', { agent: agent.id, instance: instance.uid });
    return c.body(null, 204);
  });

  return app;
}

function unavailable(instance: Instance, part: 'connector' | 'crm' = 'connector'): DiagnosticJson {
  return {
    line: null,
    col: null,
    path: part,
    message:
      part === 'crm'
        ? `the CRM connector "${instance.crm?.connector}" cannot be loaded any more; calls are neither looked up nor logged`
        : `the connector "${instance.connector}" cannot be loaded any more; its webhooks fail`,
    hint: 'register the instance again with a connector this relay has',
    severity: 'error',
    code: 'connector-unavailable',
  };
}
