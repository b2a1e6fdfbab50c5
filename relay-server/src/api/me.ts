import { type AgentView, isCountryCode, mePatchSchema, toE164 } from '@phone-connector/shared';
import { Hono } from 'hono';
import type { AuthEnv } from '../auth/index.ts';
import type { RelayDeps } from '../deps.ts';
import { readReturnTime } from '../calls/away-return.ts';
import { type Agent, isAwayAt, presenceAfter, presenceAt } from '../store/index.ts';
import { readJson } from './body.ts';

const MAX_PROFILE_FIELDS = 64;

export function meJson(agent: Agent, now: Date): AgentView {
  return { id: agent.id, name: agent.name, number: agent.number, email: agent.email, profile: agent.profile, admin: agent.admin, ...presenceAt(agent, now) };
}

/** `/me`: the agent's own profile. */
export function meApp(deps: RelayDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/', (c) => c.json(meJson(c.get('agent'), deps.now())));

  app.patch('/', async (c) => {
    const parsed = await readJson(c, mePatchSchema);
    if (!parsed.ok) return parsed.response;
    const agent = c.get('agent');
    const patch = parsed.value;

    let profile: Record<string, string> | undefined;
    if (patch.profile) {
      profile = { ...agent.profile };
      for (const [key, value] of Object.entries(patch.profile)) {
        if (value === null) delete profile[key];
        else profile[key] = value;
      }
      if (Object.keys(profile).length > MAX_PROFILE_FIELDS) return c.json({ error: `a profile holds at most ${MAX_PROFILE_FIELDS} fields` }, 422);
      if (profile.country !== undefined && !isCountryCode(profile.country)) return c.json({ error: `profile.country "${profile.country}" is not an ISO country code (US, IN, GB…)` }, 422);
    }
    let number: string | undefined;
    if (patch.number !== undefined) {
      number = toE164(patch.number, (profile ?? agent.profile).country);
      if (!number) return c.json({ error: `"${patch.number}" is not a phone number: use the international form, +14155550100` }, 422);
    }
    if (patch.email && !/^[^\s@]+@[^\s@]+$/.test(patch.email)) return c.json({ error: `"${patch.email}" is not an e-mail address` }, 422);

    const now = deps.now();
    let until: string | null | undefined = patch.away_until === undefined ? undefined : null;
    if (patch.away_until) {
      const read = readReturnTime(patch.away_until, now);
      if ('error' in read) return c.json({ error: `away_until: ${read.error}` }, 422);
      until = read.at;
    }
    // A return time alone changes that of an agent who is away.
    const away = patch.away ?? (until !== undefined && isAwayAt(agent, now) ? true : undefined);
    if (until && away !== true) return c.json({ error: 'away_until is the return time of an agent who is away: send it with "away": true' }, 422);
    const presence = away === undefined ? {} : presenceAfter(agent, away, now, until);
    const updated = await deps.store.updateAgent(agent.id, { number, email: patch.email === '' ? null : patch.email, profile, ...presence });
    if (!updated) return c.json({ error: 'this agent no longer exists' }, 401);
    deps.agentChanged(updated);
    return c.json(meJson(updated, now));
  });

  return app;
}
