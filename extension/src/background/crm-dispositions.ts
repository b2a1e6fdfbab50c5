import type { DispositionsAnswer } from '../messages.ts';
import { RelayApi } from '../relay/relay-api.ts';
import { relaySettings } from '../storage.ts';

/**
 * The dispositions of each instance's CRM, fetched from the relay once and kept while the
 * service worker lives: every wrap-up of every call asks, and the picklist rarely changes. A
 * failed fetch is not kept, so the next wrap-up asks again.
 */
export class CrmDispositions {
  private readonly byInstance = new Map<string, string[]>();

  async get(instanceId: string): Promise<DispositionsAnswer> {
    const known = this.byInstance.get(instanceId);
    if (known) return { ok: true, dispositions: known };
    try {
      const { dispositions } = await new RelayApi(await relaySettings.getValue()).crmDispositions(instanceId);
      this.byInstance.set(instanceId, dispositions);
      return { ok: true, dispositions };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }
}
