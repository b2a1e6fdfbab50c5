import type { DispositionsAnswer } from '../messages.ts';
import { RelayApi } from '../relay/relay-api.ts';
import { relaySettings } from '../storage.ts';

/**
 * The dispositions of each instance's CRM (and whether it keeps a logged call as it is), fetched
 * from the relay once and kept while the service worker lives: every wrap-up of every call asks,
 * and the picklist rarely changes. A failed fetch is not kept, so the next wrap-up asks again.
 */
export class CrmDispositions {
  private readonly byInstance = new Map<string, Extract<DispositionsAnswer, { ok: true }>>();

  async get(instanceId: string): Promise<DispositionsAnswer> {
    const known = this.byInstance.get(instanceId);
    if (known) return known;
    try {
      const list = await new RelayApi(await relaySettings.getValue()).crmDispositions(instanceId);
      // A relay from before `updates_logged_calls` says nothing of it: its CRMs are taken to follow.
      const answer = { ok: true as const, dispositions: list.dispositions, ...(list.updates_logged_calls === false ? { keepsLoggedCalls: list.crm } : {}) };
      this.byInstance.set(instanceId, answer);
      return answer;
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }
}
