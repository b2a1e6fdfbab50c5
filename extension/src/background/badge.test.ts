import browser from 'webextension-polyfill';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { returnLabel, showBadge } from './badge.ts';

// The toolbar badge as WXT's fake browser keeps it.
beforeEach(() => fakeBrowser.reset());

const badge = async () => ({ text: await browser.action.getBadgeText({}), title: await browser.action.getTitle({}) });

describe('the toolbar badge', () => {
  it('counts the unseen missed calls while connected, and is empty without any', async () => {
    await showBadge({ state: 'connected', since: 0 }, 2);
    expect(await badge()).toEqual({ text: '2', title: 'Phone Connector: connected; 2 missed calls' });
    await showBadge({ state: 'connected', since: 0 }, 0);
    expect(await badge()).toEqual({ text: '', title: 'Phone Connector: connected' });
    await showBadge({ state: 'connected', since: 0 }, 120);
    expect((await badge()).text).toBe('99+');
  });

  it('says the agent is away while connected with no missed call to count, and in its title always', async () => {
    await showBadge({ state: 'connected', since: 0 }, 0, { until: null });
    expect(await badge()).toEqual({ text: 'away', title: "Phone Connector: connected; away: the team's calls ring your colleagues" });
    await showBadge({ state: 'connected', since: 0 }, 3, { until: null });
    expect(await badge()).toEqual({ text: '3', title: "Phone Connector: connected; away: the team's calls ring your colleagues; 3 missed calls" });
    // Away until a time: the title says when the relay brings the agent back.
    const until = new Date(Date.now() + 2 * 3_600_000).toISOString();
    await showBadge({ state: 'connected', since: 0 }, 0, { until });
    const back = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' }).format(new Date(until));
    expect(await badge()).toEqual({ text: 'away', title: `Phone Connector: connected; away until ${back}: the team's calls ring your colleagues` });
    await showBadge({ state: 'offline', since: 0 }, 0, { until: null });
    expect((await badge()).text).toBe('!');
  });

  it('names the day of a return more than a day ahead, and the date beyond the week', () => {
    const now = new Date('2026-12-07T15:00:00Z'); // a Monday
    const at = (iso: string) => returnLabel(new Date(iso), now, 'en-US').replace(/\s/g, ' ');
    expect(at('2026-12-08T14:00:00Z')).toMatch(/^\d{1,2}:00 [AP]M$/);
    expect(at('2026-12-11T14:00:00Z')).toMatch(/^Fri,? \d{1,2}:00 [AP]M$/);
    expect(at('2026-12-14T14:00:00Z')).toMatch(/^Dec 1[34],? \d{1,2}:00 [AP]M$/);
  });

  it('shows a connection problem first, and still counts the missed calls in its title', async () => {
    await showBadge({ state: 'offline', detail: 'ECONNREFUSED', since: 0 }, 1);
    expect(await badge()).toEqual({ text: '!', title: 'Phone Connector: relay unreachable, retrying (ECONNREFUSED); 1 missed call' });
  });
});
