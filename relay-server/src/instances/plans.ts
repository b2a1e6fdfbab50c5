import { type ConnectorPlan, checkConnector } from '@phone-connector/shared';
import type { Instance, RelayStore } from '../store/index.ts';

export const CUSTOM_CONNECTOR = 'custom';

/**
 * The compiled connector of an instance: the bundled plan, or the instance's own XML compiled
 * once per version. Custom plans are kept by uid with the `updated_at` they were compiled for,
 * so an instance changed by a PUT (here or on another relay sharing the database) is compiled
 * again; its XML is read only then, not with every webhook's instance (issue 13).
 */
export class PlanResolver {
  private readonly custom = new Map<string, { updatedAt: string; plan: ConnectorPlan | undefined }>();

  constructor(
    readonly bundled: ReadonlyMap<string, ConnectorPlan>,
    private readonly store: Pick<RelayStore, 'connectorXml'>,
  ) {}

  async planFor(instance: Pick<Instance, 'uid' | 'localId' | 'connector' | 'updatedAt'>): Promise<ConnectorPlan | undefined> {
    if (instance.connector !== CUSTOM_CONNECTOR) return this.bundled.get(instance.connector);
    const cached = this.custom.get(instance.uid);
    if (cached?.updatedAt === instance.updatedAt) return cached.plan;
    const stored = await this.store.connectorXml(instance.uid);
    if (!stored) return undefined;
    const plan = stored.xml === null ? this.bundled.get(instance.connector) : checkConnector(stored.xml, { file: `${instance.localId}.xml` }).plan;
    // Kept under the version read with the XML: a newer one than the caller's is as good, and the caller's next read brings its version.
    this.custom.set(instance.uid, { updatedAt: stored.updatedAt, plan });
    return plan;
  }

  forget(uid: string): void {
    this.custom.delete(uid);
  }
}
