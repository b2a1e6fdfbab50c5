import { ringsNobodyWhileAway, TEAM_LIST_MAX, type TeamView } from '@phone-connector/shared';
import { Hono } from 'hono';
import type { AuthEnv } from '../auth/index.ts';
import { agentsOnCallAt } from '../calls/routing.ts';
import type { RelayDeps } from '../deps.ts';
import { runContext } from '../instances/context.ts';
import { type Agent, isAwayAt, presenceAt } from '../store/index.ts';

/**
 * `/team`: the agent's colleagues as routing sees them (available, on a call, away), so that the
 * toolbar popup can say whom the team's calls ring, and what being away changes: with
 * `away_voicemail`, that those calls go to voicemail while everyone they reach is away.
 */
export function teamApp(deps: RelayDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/', async (c) => {
    const now = deps.now();
    const [agents, busy] = await Promise.all([deps.store.listAgents(), agentsOnCallAt(deps.store, now)]);
    const counts = { agents: agents.length, available: 0, available_on_call: 0, away: 0 };
    for (const agent of agents) {
      if (isAwayAt(agent, now)) counts.away++;
      else {
        counts.available++;
        if (busy.has(agent.id)) counts.available_on_call++;
      }
    }
    const listed = agents.slice(0, TEAM_LIST_MAX).map((agent) => ({ id: agent.id, name: agent.name, ...presenceAt(agent, now), on_call: busy.has(agent.id) }));
    const awayVoicemail = await voicemailWhileAway(deps, agents, c.get('agent'));
    return c.json({ agents: listed, more: agents.length - listed.length, counts, away_voicemail: awayVoicemail } satisfies TeamView);
  });

  return app;
}

/**
 * Whether the calls that would ring `me` ring no phone while every agent they reach is away, the
 * connector sending the caller to voicemail then (connectors/twilio.xml, `away_voicemail`): on a
 * team's number (an admin's instance, whose calls may ring every agent) or on `me`'s own.
 */
async function voicemailWhileAway(deps: RelayDeps, agents: readonly Agent[], me: Agent): Promise<boolean> {
  for (const owner of agents) {
    if (!owner.admin && owner.id !== me.id) continue;
    for (const instance of await deps.store.instancesOf(owner.id)) {
      const plan = await deps.plans.planFor(instance);
      if (plan && ringsNobodyWhileAway(plan, runContext(instance, owner, deps.publicUrl()))) return true;
    }
  }
  return false;
}
