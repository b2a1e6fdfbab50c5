import type { CallView } from '@phone-connector/shared';
import browser from 'webextension-polyfill';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { messageListener, type PageMessages } from '../messages.ts';
import type { CallEvent } from '../relay/relay-socket.ts';
import { lastSeq, missedCalls } from '../storage.ts';
import { callView } from '../testing/call-view.ts';
import { routeRelayEvents } from './relay-events.ts';

// The background's handling of relay events, with the stored seq in WXT's fake browser storage.
// The two sides record the calls they are handed.
let seen: string[];
const side = (name: string) => ({ onRelayCall: async (call: CallView) => void seen.push(`${name} ${call.call_id} ${call.status}`) });
const event = (seq: number, direction: 'inbound' | 'outbound', callId: string, status = 'ringing'): CallEvent => ({
  seq,
  event: 'updated',
  call: { call_id: callId, direction, status } as CallView,
});

beforeEach(() => {
  fakeBrowser.reset();
  seen = [];
});

describe('relay events in the background', () => {
  it('shows inbound calls as popups and outbound ones as progress, remembering the last seq handled', async () => {
    const handle = routeRelayEvents(side('incoming'), side('outbound'));
    await handle(event(1, 'inbound', 'CA-in'));
    await handle(event(2, 'outbound', 'CA-out', 'in-progress'));
    expect(seen).toEqual(['incoming CA-in ringing', 'outbound CA-out in-progress']);
    expect(await lastSeq.getValue()).toBe(2);
  });

  it('ignores events at or below the stored seq, which a reconnect replays', async () => {
    await lastSeq.setValue(5);
    const handle = routeRelayEvents(side('incoming'), side('outbound'));
    await handle(event(4, 'inbound', 'CA-old'));
    await handle(event(5, 'outbound', 'CA-same'));
    await handle(event(6, 'inbound', 'CA-new'));
    await handle(event(6, 'inbound', 'CA-new', 'completed'));
    expect(seen).toEqual(['incoming CA-new ringing']);
    expect(await lastSeq.getValue()).toBe(6);
  });

  it('handles each event once when an agent\'s seqs skip (a relay numbers call events for every agent)', async () => {
    const handle = routeRelayEvents(side('incoming'), side('outbound'));
    await handle(event(4, 'inbound', 'CA-a'));
    await handle(event(9, 'inbound', 'CA-b'));
    await handle(event(9, 'inbound', 'CA-b', 'completed'));
    await handle(event(15, 'outbound', 'CA-c', 'in-progress'));
    expect(seen).toEqual(['incoming CA-a ringing', 'incoming CA-b ringing', 'outbound CA-c in-progress']);
    expect(await lastSeq.getValue()).toBe(15);
  });

  it('keeps the seq of an event whose handling failed unstored, so it is handled again', async () => {
    await lastSeq.setValue(1);
    const failing = { onRelayCall: async () => Promise.reject(new Error('the worker stopped')) };
    await expect(routeRelayEvents(failing, side('outbound'))(event(2, 'inbound', 'CA-in'))).rejects.toThrow('the worker stopped');
    expect(await lastSeq.getValue()).toBe(1);
    await routeRelayEvents(side('incoming'), side('outbound'))(event(2, 'inbound', 'CA-in'));
    expect(seen).toEqual(['incoming CA-in ringing']);
  });

  it('counts a missed inbound call for the badge once, and not one replayed after a reconnect', async () => {
    const handle = routeRelayEvents(side('incoming'), side('outbound'));
    await handle({ seq: 1, event: 'updated', call: callView({ id: 11, status: 'no-answer' }) });
    await handle({ seq: 2, event: 'updated', call: callView({ id: 12, status: 'completed' }) });
    await handle({ seq: 3, event: 'updated', call: callView({ id: 13, direction: 'outbound', status: 'no-answer' }) });
    await handle({ seq: 1, event: 'updated', call: callView({ id: 11, status: 'no-answer' }) });
    expect(await missedCalls.getValue()).toEqual({ unseen: [11], seenThrough: 0 });
  });

  it('tells our open pages of each call it handles, not of one replayed, and nothing fails with none open', async () => {
    const handle = routeRelayEvents(side('incoming'), side('outbound'));
    await handle(event(1, 'inbound', 'CA-nobody-listens'));
    expect(await lastSeq.getValue()).toBe(1);
    const told: string[] = [];
    browser.runtime.onMessage.addListener(messageListener<Pick<PageMessages, 'call-changed'>>({ 'call-changed': ({ call }) => void told.push(`${call.call_id} ${call.status}`) }));
    await handle(event(2, 'inbound', 'CA-in'));
    await handle(event(3, 'outbound', 'CA-out', 'in-progress'));
    await handle(event(3, 'outbound', 'CA-out', 'completed'));
    expect(told).toEqual(['CA-in ringing', 'CA-out in-progress']);
  });
});
