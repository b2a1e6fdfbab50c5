import type { AgentView, MePatch } from '@phone-connector/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { awayForLock, awaySince, awayWhileLocked } from '../storage.ts';
import { LockAway, type PresenceApi } from './lock-away.ts';

/** The relay's agent, as `GET /me` and `PATCH /me {away}` keep it; `down` makes every request fail, as an unreachable relay does. */
class FakeRelay implements PresenceApi {
  configured = true;
  down = false;
  awaySince: string | null = null;
  readonly patches: MePatch[] = [];
  private clock = 0;

  async me(): Promise<AgentView> {
    if (this.down) throw new Error('relay unreachable');
    return this.view();
  }

  async updateMe(patch: MePatch): Promise<AgentView> {
    if (this.down) throw new Error('relay unreachable');
    this.patches.push(patch);
    if (patch.away !== undefined) this.awaySince = patch.away ? (this.awaySince ?? new Date(Date.UTC(2026, 11, 7, 9, 0, ++this.clock)).toISOString()) : null;
    return this.view();
  }

  private view(): AgentView {
    return { id: 'ag_ada', name: 'Ada', number: '+14155550111', email: null, profile: {}, admin: false, away_since: this.awaySince, away_until: null };
  }
}

let relay: FakeRelay;
let lock: LockAway;
beforeEach(() => {
  fakeBrowser.reset();
  relay = new FakeRelay();
  lock = new LockAway(async () => relay);
});

describe('away while this computer is locked', () => {
  it('makes an available agent away when the computer locks, and available again when it is unlocked', async () => {
    await lock.onStateChanged('locked');
    expect(relay.awaySince).not.toBeNull();
    expect(await awaySince.getValue()).toBe(relay.awaySince);
    expect(await awayForLock.getValue()).toBe(true);
    await lock.onStateChanged('active');
    expect(relay.awaySince).toBeNull();
    expect(await awaySince.getValue()).toBeNull();
    expect(await awayForLock.getValue()).toBe(false);
    expect(relay.patches).toEqual([{ away: true }, { away: false }]);
  });

  it('leaves an agent who is away by their own say away when the computer is unlocked', async () => {
    relay.awaySince = '2026-12-07T08:00:00.000Z';
    await lock.onStateChanged('locked');
    await lock.onStateChanged('active');
    expect(relay.awaySince).toBe('2026-12-07T08:00:00.000Z');
    expect(relay.patches).toEqual([]);
  });

  it('does nothing for an idle computer (an agent on the phone may not touch the keyboard), nor when the agent turned it off', async () => {
    await lock.onStateChanged('idle');
    expect(relay.patches).toEqual([]);
    await awayWhileLocked.setValue(false);
    await lock.onStateChanged('locked');
    await lock.onStateChanged('active');
    expect(relay.patches).toEqual([]);
    expect(relay.awaySince).toBeNull();
  });

  it('does nothing without a relay set up', async () => {
    relay.configured = false;
    await lock.onStateChanged('locked');
    expect(relay.patches).toEqual([]);
    expect(await awayForLock.getValue()).toBe(false);
  });

  it('takes a lock and an unlock in the order they came, however quickly', async () => {
    // Not awaited one by one: the unlock comes while the lock's requests are on their way.
    await Promise.all([lock.onStateChanged('locked'), lock.onStateChanged('active'), lock.onStateChanged('locked')]);
    expect(relay.patches).toEqual([{ away: true }, { away: false }, { away: true }]);
    expect(relay.awaySince).not.toBeNull();
    expect(await awayForLock.getValue()).toBe(true);
  });

  it('tells a relay it could not reach at the unlock once it is back, if the computer is in use', async () => {
    await lock.onStateChanged('locked');
    relay.down = true;
    await lock.onStateChanged('active');
    expect(relay.awaySince).not.toBeNull();
    expect(await awayForLock.getValue()).toBe(true);
    relay.down = false;
    // Back while the computer is locked again: nothing to tell yet.
    await lock.settle('locked');
    expect(relay.awaySince).not.toBeNull();
    await lock.settle('active');
    expect(relay.awaySince).toBeNull();
    expect(await awayForLock.getValue()).toBe(false);
  });

  it('a lock the relay could not hear of leaves nothing to undo', async () => {
    relay.down = true;
    await lock.onStateChanged('locked');
    expect(await awayForLock.getValue()).toBe(false);
    relay.down = false;
    await lock.onStateChanged('active');
    expect(relay.patches).toEqual([]);
  });
});
