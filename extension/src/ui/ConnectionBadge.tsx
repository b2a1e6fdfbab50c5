import type { ConnectionStatus } from '../storage.ts';

const TEXT: Record<ConnectionStatus['state'], string> = {
  'not-configured': 'Not set up',
  connecting: 'Connecting…',
  connected: 'Connected',
  offline: 'Relay unreachable, retrying',
  unauthorized: 'Token refused',
};

/** The relay connection state, as the badge shows it, in words. */
export function ConnectionBadge({ status }: { status: ConnectionStatus | undefined }) {
  const state = status?.state ?? 'not-configured';
  return (
    <span class="pc-connection" data-state={state} data-testid="connection-status">
      {TEXT[state]}
      {status?.detail && state !== 'connected' ? ` (${status.detail})` : ''}
    </span>
  );
}
