import type { AgentView, MePatch } from '@phone-connector/shared';
import { awayForLock, awayWhileLocked, keepPresence } from '../storage.ts';

/** The relay's agent API as the lock needs it. */
export interface PresenceApi {
  readonly configured: boolean;
  me(): Promise<AgentView>;
  updateMe(patch: MePatch): Promise<AgentView>;
}

/** The idle API's states: `locked` when the screen is locked. */
export type IdleState = 'active' | 'idle' | 'locked';

/**
 * Away while this computer is locked: locking it makes an available agent away at the relay, so
 * the team's calls ring the colleagues at their desks; unlocking it makes them available again,
 * but only when the lock is what made them away (an agent away by their own say stays so). Only
 * `locked` counts: an agent on the phone may not touch the keyboard for minutes (`idle`). Changes
 * run one after another, a quick unlock waiting for the lock's; a relay that cannot be reached
 * when the computer is unlocked is told again once the socket is back (`settle`).
 */
export class LockAway {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly relay: () => Promise<PresenceApi>) {}

  /** What the browser said of the computer's state. */
  onStateChanged(state: IdleState): Promise<void> {
    if (state === 'locked') return this.then(() => this.lock());
    if (state === 'active') return this.then(() => this.unlock());
    return this.queue;
  }

  /** Once the relay is reachable again: an unlock it missed is told now, when the computer is in use (`state`). */
  settle(state: IdleState): Promise<void> {
    return state === 'active' ? this.then(() => this.unlock()) : this.queue;
  }

  private then(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step).catch(() => undefined);
    return this.queue;
  }

  private async lock(): Promise<void> {
    if (!(await awayWhileLocked.getValue()) || (await awayForLock.getValue())) return;
    const api = await this.relay();
    if (!api.configured) return;
    // Away already (the switch, another browser, an admin): not the lock's to undo.
    if ((await api.me()).away_since !== null) return;
    // Said before the request: should its answer be lost, unlocking still makes the agent available.
    await awayForLock.setValue(true);
    await keepPresence(await api.updateMe({ away: true }));
  }

  private async unlock(): Promise<void> {
    if (!(await awayForLock.getValue())) return;
    const api = await this.relay();
    if (!api.configured) return awayForLock.setValue(false);
    // Kept until the relay took it: a relay out of reach is told again (`settle`).
    await keepPresence(await api.updateMe({ away: false }));
    await awayForLock.setValue(false);
  }
}
