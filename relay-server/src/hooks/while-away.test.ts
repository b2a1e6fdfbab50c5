import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConnector, mapWebhook, type OpeningHours, openingHoursSchema, type RunContext } from '@phone-connector/shared';
import { describe, expect, it } from 'vitest';
import type { CallUpdate } from '../calls/merge.ts';
import type { Agent, Call } from '../store/index.ts';
import { WhileAway } from './while-away.ts';

const twilio = loadConnector(readFileSync(join(import.meta.dirname, '../../../connectors/twilio.xml'), 'utf8'));
const AT = '2026-12-07T20:00:00.000Z';
const callbacks = { answer: 'https://relay.example/a', status: 'https://relay.example/s', incoming: 'https://relay.example/i' };
const context = (config: Record<string, string>): RunContext => ({ config: { authid: 'AC1', authtoken: 't', callerid: '+15005550006', ...config }, agent: { extension: '+14155550111' }, callbacks, vars: {} });
const agent = (number: string, awaySince: string | null): Agent => ({ id: number, name: number, number, email: null, profile: {}, admin: false, createdAt: AT, awaySince, awayUntil: null });
const AWAY = '2026-12-07T18:00:00.000Z';
const CLOSED = { voicemail_greeting: 'We are closed.', away_voicemail: 'true' };

function routed(config: Record<string, string>, agents: Agent[], before?: Pick<Call, 'direction'>, hours: OpeningHours | null = null) {
  const request = { method: 'POST', url: callbacks.incoming, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'CallSid=CA1&From=%2B14155550100&To=%2B15005550006&CallStatus=ringing&Direction=inbound' };
  const mapped = mapWebhook(twilio, 'incoming', request, context(config));
  const whileAway = new WhileAway(twilio, mapped, context(config), hours);
  const update: CallUpdate = { direction: 'inbound', status: 'ringing', extra: {} };
  return { update: whileAway.routed(update, agents, before as Call | undefined, AT), reply: whileAway.reply };
}

describe('WhileAway', () => {
  it('makes a call missed from the start when every agent is away and the reply then rings nobody', () => {
    const { update, reply } = routed(CLOSED, [agent('+14155550111', AWAY), agent('+14155550122', AWAY)]);
    expect(update).toMatchObject({ status: 'no-answer', ended_at: AT, extra: { all_away: 'true' }, fill_only_at: expect.arrayContaining(['no-answer', 'completed']) });
    expect(reply).toMatchObject({ rings: 0, body: expect.stringContaining('<Say>We are closed.</Say><Record ') });
  });

  it('leaves the call as it is while anyone is available, or when the reply rings the agents all the same', () => {
    const ringing = { direction: 'inbound', status: 'ringing', extra: {} };
    // Bob is available: not even rendered as away.
    expect(routed(CLOSED, [agent('+14155550111', AWAY), agent('+14155550122', null)])).toEqual({ update: ringing, reply: undefined });
    // Everyone away, the box unticked: the reply, rendered with @agents_away, rings them all.
    const unticked = routed({ voicemail_greeting: 'We are closed.' }, [agent('+14155550111', AWAY), agent('+14155550122', AWAY)]);
    expect(unticked.update).toEqual(ringing);
    expect(unticked.reply).toMatchObject({ rings: 2 });
    // A return time passed is available, whether or not the relay's clock cleared it.
    const back = { ...agent('+14155550111', AWAY), awayUntil: '2026-12-07T19:00:00.000Z' };
    expect(routed(CLOSED, [back]).update).toEqual(ringing);
  });

  it('counts every agent away outside the number’s opening hours, and nobody inside them', () => {
    // AT is Monday 20:00 UTC.
    const until = (to: string) => openingHoursSchema.parse({ time_zone: 'UTC', week: { mon: [{ from: '09:00', to }] } });
    const available = [agent('+14155550111', null), agent('+14155550122', null)];
    const { update, reply } = routed(CLOSED, available, undefined, until('17:00'));
    expect(update).toMatchObject({ status: 'no-answer', ended_at: AT, extra: { after_hours: 'true' } });
    expect(update.extra).not.toHaveProperty('all_away');
    expect(reply).toMatchObject({ rings: 0, body: expect.stringContaining('<Say>We are closed.</Say><Record ') });
    expect(routed(CLOSED, available, undefined, until('21:00'))).toEqual({ update: { direction: 'inbound', status: 'ringing', extra: {} }, reply: undefined });
    // Closed, the box unticked: the calls ring as when everyone is away.
    expect(routed({ voicemail_greeting: 'We are closed.' }, available, undefined, until('17:00'))).toMatchObject({ update: { status: 'ringing' }, reply: { rings: 2 } });
  });

  it('leaves a call placed here alone, whose answer a provider may post to the incoming URL', () => {
    expect(routed(CLOSED, [agent('+14155550111', AWAY)], { direction: 'outbound' })).toEqual({ update: { direction: 'inbound', status: 'ringing', extra: {} }, reply: undefined });
  });
});
