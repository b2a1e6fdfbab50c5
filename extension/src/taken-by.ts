import { answeringPhone, type CallView, formatForDisplay, normalisePhone } from '@phone-connector/shared';
import type { TakenBy } from './messages.ts';
import { agentSettings, relayNumber, resolvedDefaultCountry } from './storage.ts';

/**
 * Who took an incoming call the team's phones rang, from the phone the relay says answered it
 * (`answered_by`, and the agent whose number it is): this agent, whose phones are `ownNumbers`
 * (the one typed in the options, the one the relay rings), or a colleague. Undefined while
 * nobody has, and for calls placed here.
 */
export function takenByOf(call: CallView, ownNumbers: ReadonlyArray<string | null | undefined>, country: string): TakenBy | undefined {
  const number = answeringPhone(call);
  if (!number) return undefined;
  if (ownNumbers.some((own) => own && normalisePhone(own, country) === number)) return {};
  return { colleague: call.extra.answered_by_name ?? formatForDisplay(number, country) };
}

/** takenByOf with this agent's numbers and default country from the extension's settings. */
export async function takenBy(call: CallView): Promise<TakenBy | undefined> {
  return takenByOf(call, [(await agentSettings.getValue()).extension, await relayNumber.getValue()], await resolvedDefaultCountry());
}
