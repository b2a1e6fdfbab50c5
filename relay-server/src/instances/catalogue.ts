import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ConnectorPlan, loadConnector } from '@phone-connector/shared';

/** The repository's `connectors/` folder. */
export const BUNDLED_CONNECTORS_DIR = fileURLToPath(new URL('../../../connectors/', import.meta.url));

/** Bundled connectors by id (file name without `.xml`), loaded once. A broken one stops the start. */
export function loadBundledConnectors(dir: string = BUNDLED_CONNECTORS_DIR): ReadonlyMap<string, ConnectorPlan> {
  const ids = readdirSync(dir)
    .filter((name) => name.endsWith('.xml'))
    .map((name) => name.slice(0, -'.xml'.length))
    .sort();
  return new Map(ids.map((id) => [id, loadConnector(readFileSync(join(dir, `${id}.xml`), 'utf8'), { file: `connectors/${id}.xml` })]));
}
