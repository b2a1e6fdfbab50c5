import { formatForDisplay } from '@phone-connector/shared';
import { resolvedDefaultCountry } from '../storage.ts';

/**
 * A number as the agent reads it on a card or popup: national in their default country,
 * international otherwise, as given when it is no number. Formatted here, not in the tab's
 * call UI, so that script carries no libphonenumber (its parse delayed the first popup).
 */
export async function shownNumber(raw: string): Promise<string> {
  return formatForDisplay(raw, await resolvedDefaultCountry());
}
