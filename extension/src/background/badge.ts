import browser from 'webextension-polyfill';
import type { ConnectionStatus } from '../storage.ts';

const BADGES: Record<ConnectionStatus['state'], { text: string; color: string; title: string }> = {
  'not-configured': { text: '?', color: '#6b7280', title: 'Phone Connector: set up the relay in Options' },
  connecting: { text: '…', color: '#b45309', title: 'Phone Connector: connecting to the relay' },
  connected: { text: '', color: '#15803d', title: 'Phone Connector: connected' },
  offline: { text: '!', color: '#b91c1c', title: 'Phone Connector: relay unreachable, retrying' },
  unauthorized: { text: '!', color: '#b91c1c', title: 'Phone Connector: the relay refused the token' },
};

/** The toolbar badge shows the relay connection at a glance. */
export async function showConnectionBadge(status: ConnectionStatus): Promise<void> {
  const badge = BADGES[status.state];
  await browser.action.setBadgeText({ text: badge.text });
  await browser.action.setBadgeBackgroundColor({ color: badge.color });
  await browser.action.setTitle({ title: status.detail ? `${badge.title} (${status.detail})` : badge.title });
}
