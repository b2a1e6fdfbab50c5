import { openNow, ringsNobodyWhileAway, TEAM_LIST_MAX, type TeamView } from '@phone-connector/shared';
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
    const numbers = await numbersRingingMe(deps, agents, c.get('agent'), now);
    return c.json({ agents: listed, more: agents.length - listed.length, counts, ...numbers } satisfies TeamView);
  });

  return app;
}

/**
 * What the numbers whose calls would ring `me` do, a team's (an admin's instance, whose calls may
 * ring every agent) or `me`'s own: whether any rings no phone while every agent it reaches is
 * away, the connector sending the caller to voicemail then (connectors/twilio.xml,
 * `away_voicemail`); and whether any of those is closed now (outside its opening hours), its
 * callers going to voicemail, until the earliest opening of those closed.
 */
async function numbersRingingMe(deps: RelayDeps, agents: readonly Agent[], me: Agent, now: Date): Promise<Pick<TeamView, 'away_voicemail' | 'closed'>> {
  let awayVoicemail = false;
  let closed: TeamView['closed'] = null;
  for (const owner of agents) {
    if (!owner.admin && owner.id !== me.id) continue;
    for (const instance of await deps.store.instancesOf(owner.id)) {
      const plan = await deps.plans.planFor(instance);
      if (!plan || !ringsNobodyWhileAway(plan, runContext(instance, owner, deps.publicUrl()))) continue;
      awayVoicemail = true;
      const open = instance.hours && openNow(instance.hours, now);
      if (!open || open.open) continue;
      if (!closed || (open.until !== null && (closed.until === null || open.until < closed.until))) closed = { until: open.until };
    }
  }
  return { away_voicemail: awayVoicemail, closed };
}
