import {
  AGENTS_AWAY,
  type ConnectorPlan,
  FINAL_STATUSES,
  type FillCondition,
  isOpenAt,
  type MappedWebhook,
  type OpeningHours,
  renderWebhookReply,
  type RunContext,
  WebhookError,
  type WebhookReply,
} from '@phone-connector/shared';
import type { CallUpdate } from '../calls/merge.ts';
import type { RoutedNews } from '../calls/record-call.ts';
import { type Agent, type Call, isAwayAt } from '../store/index.ts';

/**
 * The numbers a reply rings for `agents`: agents who share a number (a team's line) ring it once:
 * a call routed to 1,000 of them put the same number 1,000 times into the reply, rendered before
 * any of them heard of the call (issue 13).
 */
export function dialNumbersOf(agents: readonly Agent[]): string[] {
  return [...new Set(agents.map((a) => a.number))];
}

/**
 * An incoming call while every agent it reaches is away, or outside its number's opening hours
 * (when every agent counts as away): its reply is rendered with `@agents_away`, once routing has
 * named the agents (inside the call's transaction). When that
 * reply rings nobody where it would ring them otherwise (the connector sends the caller to
 * voicemail: connectors/twilio.xml, `away_voicemail`), the call is missed from its first event,
 * so no popup or notification announces a call that rings no phone. The reply is kept for the
 * webhook's answer.
 */
export class WhileAway implements RoutedNews {
  /** The reply rendered with `@agents_away`, when every agent was away or the number closed. */
  reply: WebhookReply | undefined;

  constructor(
    private readonly plan: ConnectorPlan,
    private readonly mapped: MappedWebhook,
    private readonly context: RunContext,
    /** The instance's opening hours, if it has any. */
    private readonly hours: OpeningHours | null,
  ) {}

  routed(update: CallUpdate, agents: readonly Agent[], before: Call | undefined, at: string): CallUpdate {
    // Not the answer to a call placed here that Africa's Talking posts to the same URL, whose agent may be away.
    if ((before?.direction ?? update.direction) !== 'inbound' || agents.length === 0) return update;
    const now = new Date(at);
    const closed = this.hours !== null && !isOpenAt(this.hours, now);
    if (!closed && !agents.every((agent) => isAwayAt(agent, now))) return update;
    const dialNumbers = dialNumbersOf(agents);
    const reply = this.render({ ...this.context, vars: { ...this.context.vars, ...AGENTS_AWAY } }, dialNumbers);
    if (!reply) return update;
    this.reply = reply;
    if (reply.rings !== 0 || !this.render(this.context, dialNumbers)?.rings) return update;
    // A retry of the webhook finds the call ended: it keeps its end.
    return { ...update, status: 'no-answer', ended_at: at, extra: { ...update.extra, [closed ? 'after_hours' : 'all_away']: 'true' }, fill_only_at: ENDED };
  }

  /** The reply, or none when it cannot be rendered: the webhook's answer says why, rendered again. */
  private render(context: RunContext, dialNumbers: string[]): WebhookReply | undefined {
    try {
      return renderWebhookReply(this.plan, this.mapped, context, { dialNumbers });
    } catch (error) {
      if (error instanceof WebhookError && error.code === 'reply-failed') return undefined;
      throw error;
    }
  }
}

const ENDED: readonly FillCondition[] = [...FINAL_STATUSES];
