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
 * `away_voicemail`, that a team's number sends its callers to voicemail while everyone is away.
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
    const awayVoicemail = await voicemailWhileAway(deps, agents);
    return c.json({ agents: listed, more: agents.length - listed.length, counts, away_voicemail: awayVoicemail } satisfies TeamView);
  });

  return app;
}

/**
 * Whether a team's number (an admin's instance: its calls may ring every agent) rings no phone
 * while every agent is away, its connector sending the caller to voicemail then
 * (connectors/twilio.xml, `away_voicemail`).
 */
async function voicemailWhileAway(deps: RelayDeps, agents: readonly Agent[]): Promise<boolean> {
  for (const admin of agents) {
    if (!admin.admin) continue;
    for (const instance of await deps.store.instancesOf(admin.id)) {
      const plan = await deps.plans.planFor(instance);
      if (plan && ringsNobodyWhileAway(plan, runContext(instance, admin, deps.publicUrl()))) return true;
    }
  }
  return false;
}
