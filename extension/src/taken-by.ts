import { answeringPhone, type CallView, formatForDisplay, normalisePhone } from '@phone-connector/shared';
import type { TakenBy } from './messages.ts';
import { agentSettings, resolvedDefaultCountry } from './storage.ts';

/**
 * Who took an incoming call the team's phones rang, from the phone the relay says answered it
 * (`answered_by`, and the agent whose number it is): this agent, whose own number is `ownNumber`
 * as typed in the options, or a colleague. Undefined while nobody has, and for calls placed here.
 */
export function takenByOf(call: CallView, ownNumber: string, country: string): TakenBy | undefined {
  const number = answeringPhone(call);
  if (!number) return undefined;
  if (normalisePhone(ownNumber, country) === number) return {};
  return { colleague: call.extra.answered_by_name ?? formatForDisplay(number, country) };
}

/** takenByOf with this agent's number and default country from the extension's settings. */
export async function takenBy(call: CallView): Promise<TakenBy | undefined> {
  return takenByOf(call, (await agentSettings.getValue()).extension, await resolvedDefaultCountry());
}
