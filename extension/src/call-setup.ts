import type { ConnectorPlan, RunContext } from '@phone-connector/shared';
import { compileConnector, connectorSource } from './connectors.ts';
import { agentSettings, callbackUrls, providerSettings, resolvedDefaultCountry } from './storage.ts';

/**
 * Everything a call needs: the compiled connector and the agent's context. The background places
 * calls with it; the options page dry-runs and replays webhooks with the same setup.
 */
export async function loadCallSetup(): Promise<{ plan: ConnectorPlan; context: RunContext; instance: string } | { error: string }> {
  const [provider, agent, callbacks, country] = await Promise.all([providerSettings.getValue(), agentSettings.getValue(), callbackUrls.getValue(), resolvedDefaultCountry()]);
  const source = connectorSource(provider);
  if (!source) return { error: 'no provider is set up: choose one in Options > Provider' };
  const checked = compileConnector(source);
  if (!checked.plan) return { error: `the connector has errors: fix them in Options > Provider (${checked.diagnostics[0]?.message ?? ''})` };
  const config: Record<string, string> = { ...provider.config };
  if (callbacks.answer) config.answer_callback = callbacks.answer;
  if (callbacks.status) config.status_callback = callbacks.status;
  if (callbacks.incoming) config.incoming_callback = callbacks.incoming;
  return {
    plan: checked.plan,
    instance: provider.instanceId,
    context: {
      config,
      agent: { extension: agent.extension || undefined, email: agent.email || undefined, callerid: agent.callerid || undefined, fields: agent.fields },
      callbacks,
      defaultCountry: country,
    },
  };
}
