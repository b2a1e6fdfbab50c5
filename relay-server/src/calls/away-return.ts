import { MAX_AWAY_HOURS } from '@phone-connector/shared';
import type { Agent, RelayStore } from '../store/index.ts';

/**
 * An agent's return time as the relay stores it (UTC ISO, which sorts as it reads), or why it is
 * not one: a time not yet come, within `MAX_AWAY_HOURS` (an agent away "until next month" is
 * away, and says so by having no return time).
 */
export function readReturnTime(text: string, now: Date): { at: string } | { error: string } {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return { error: `"${text}" is not a time: use ISO 8601, 2026-12-07T13:30:00Z` };
  if (ms <= now.getTime()) return { error: `${new Date(ms).toISOString()} has passed: a return time is still to come` };
  if (ms - now.getTime() > MAX_AWAY_HOURS * 3_600_000) return { error: `${new Date(ms).toISOString()} is more than ${MAX_AWAY_HOURS / 24} days away: leave the return time out to be away until you say` };
  return { at: new Date(ms).toISOString() };
}

/** How often the relay makes agents whose return time has come available again. */
export const AWAY_RETURN_CHECK_MS = 10_000;

/**
 * The relay's clock for return times: every `everyMs` it makes available the agents whose return
 * time has come (one statement, so relays sharing a database each make a given agent available
 * once) and tells `changed` of each, which tells their sockets. Routing does not wait for it: an
 * agent whose time has come is available to the next call already (`isAwayAt`).
 */
export class AwayReturnClock {
  private timer?: ReturnType<typeof setInterval>;
  private running?: Promise<void>;

  constructor(
    private readonly store: Pick<RelayStore, 'returnAgentsDue'>,
    private readonly changed: (agent: Agent) => void,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(everyMs = AWAY_RETURN_CHECK_MS): void {
    this.timer = setInterval(() => void this.check(), everyMs);
    void this.check();
  }

  /** One check (a check under way is waited for, not doubled). */
  check(): Promise<void> {
    this.running ??= this.store
      .returnAgentsDue(this.now().toISOString())
      .then((agents) => agents.forEach((agent) => this.changed(agent)), this.onError)
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
