import { checkConnector, type CheckResult } from '@phone-connector/shared';
import type { ProviderSettings } from './storage.ts';

/** The bundled connectors, shipped inside the extension from the repository's connectors/. */
const BUNDLED: Record<string, string> = Object.fromEntries(
  Object.entries(import.meta.glob('../../connectors/*.xml', { query: '?raw', import: 'default', eager: true }) as Record<string, string>).map(
    ([path, xml]) => [path.replace(/^.*\//, '').replace(/\.xml$/, ''), xml],
  ),
);

export function bundledConnectorIds(): string[] {
  return Object.keys(BUNDLED).sort();
}

/** The XML the agent chose: a bundled connector or their own. */
export function connectorSource(provider: ProviderSettings): { xml: string; file: string } | undefined {
  if (provider.customXml?.trim()) return { xml: provider.customXml, file: 'custom.xml' };
  const xml = provider.connectorId ? BUNDLED[provider.connectorId] : undefined;
  return xml === undefined ? undefined : { xml, file: `${provider.connectorId}.xml` };
}

const cache = new Map<string, CheckResult>();

/** Compiles a connector once per distinct source. */
export function compileConnector(source: { xml: string; file: string }): CheckResult {
  const key = `${source.file}\n${source.xml}`;
  let result = cache.get(key);
  if (!result) {
    result = checkConnector(source.xml, { file: source.file });
    cache.clear();
    cache.set(key, result);
  }
  return result;
}
