import { type ConnectorPlan, checkConnector } from '@phone-connector/shared';
import type { Instance } from '../store/index.ts';

export const CUSTOM_CONNECTOR = 'custom';

/**
 * The compiled connector of an instance: the bundled plan, or the instance's own XML compiled
 * once per version (custom plans are cached by uid and dropped when the instance changes).
 */
export class PlanResolver {
  private readonly custom = new Map<string, { updatedAt: string; plan: ConnectorPlan | undefined }>();

  constructor(readonly bundled: ReadonlyMap<string, ConnectorPlan>) {}

  planFor(instance: Instance): ConnectorPlan | undefined {
    if (instance.xml === null) return this.bundled.get(instance.connector);
    const cached = this.custom.get(instance.uid);
    if (cached?.updatedAt === instance.updatedAt) return cached.plan;
    const plan = checkConnector(instance.xml, { file: `${instance.localId}.xml` }).plan;
    this.custom.set(instance.uid, { updatedAt: instance.updatedAt, plan });
    return plan;
  }

  forget(uid: string): void {
    this.custom.delete(uid);
  }
}
