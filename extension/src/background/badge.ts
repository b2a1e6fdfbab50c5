import browser from 'webextension-polyfill';
import type { ConnectionStatus } from '../storage.ts';

const BADGES: Record<ConnectionStatus['state'], { text: string; color: string; title: string }> = {
  'not-configured': { text: '?', color: '#6b7280', title: 'Phone Connector: set up the relay in Options' },
  connecting: { text: '…', color: '#b45309', title: 'Phone Connector: connecting to the relay' },
  connected: { text: '', color: '#15803d', title: 'Phone Connector: connected' },
  offline: { text: '!', color: '#b91c1c', title: 'Phone Connector: relay unreachable, retrying' },
  unauthorized: { text: '!', color: '#b91c1c', title: 'Phone Connector: the relay refused the token' },
};

const MISSED_COLOR = '#1d4ed8';
const AWAY = { text: 'away', color: '#6b7280', title: "the team's calls ring your colleagues" };

/** Away, and until when the agent said (ISO time; null: until they switch back). */
export interface BadgeAway {
  until: string | null;
}

/**
 * When the agent comes back, for the badge's title, which is written when something changes and
 * may be read a day later: the time alone within a day (it names the next such time either way),
 * then the week day with it, then the date. Words such as "tomorrow" would go stale.
 */
export function returnLabel(until: Date, now: Date, locale?: string): string {
  const ahead = until.getTime() - now.getTime();
  const parts: Intl.DateTimeFormatOptions = ahead < 86_400_000 ? {} : ahead < 6 * 86_400_000 ? { weekday: 'short' } : { month: 'short', day: 'numeric' };
  return new Intl.DateTimeFormat(locale, { ...parts, hour: 'numeric', minute: '2-digit' }).format(until);
}

/**
 * The toolbar badge shows the relay connection at a glance and, while connected, how many
 * missed calls the agent has not looked at, else that the agent is away (an agent who forgot
 * would miss every team call). A connection problem wins the badge (nothing new arrives until it
 * is fixed); the title still counts the missed calls and says away.
 */
export async function showBadge(status: ConnectionStatus, missed: number, away?: BadgeAway): Promise<void> {
  const badge = BADGES[status.state];
  const connected = status.state === 'connected';
  const showMissed = connected && missed > 0;
  const showAway = connected && !showMissed && away !== undefined;
  await browser.action.setBadgeText({ text: showMissed ? (missed > 99 ? '99+' : String(missed)) : showAway ? AWAY.text : badge.text });
  await browser.action.setBadgeBackgroundColor({ color: showMissed ? MISSED_COLOR : showAway ? AWAY.color : badge.color });
  const awayTitle = away && `${away.until ? `away until ${returnLabel(new Date(away.until), new Date())}` : 'away'}: ${AWAY.title}`;
  const title = [status.detail ? `${badge.title} (${status.detail})` : badge.title, awayTitle, missed > 0 && `${missed} missed call${missed === 1 ? '' : 's'}`];
  await browser.action.setTitle({ title: title.filter(Boolean).join('; ') });
}
