import { type RunContext, isCountryCode } from '@phone-connector/shared';
import type { Agent, Instance } from '../store/index.ts';
import { callbackUrls } from './register.ts';

/** The owner's profile field `country`, when it is an ISO country code. */
export function agentCountry(agent: Pick<Agent, 'profile'>): string | undefined {
  const country = agent.profile.country;
  return country && isCountryCode(country) ? country.toUpperCase() : undefined;
}

/** The engine's view of an instance: its config, its owner as the agent, its callback URLs. */
export function runContext(instance: Instance, owner: Agent, publicUrl: string): RunContext {
  return {
    config: instance.config,
    agent: {
      extension: owner.number,
      email: owner.email ?? undefined,
      callerid: owner.profile.callerid,
      fields: owner.profile,
    },
    callbacks: callbackUrls(publicUrl, instance),
    defaultCountry: agentCountry(owner),
    vars: {},
  };
}
