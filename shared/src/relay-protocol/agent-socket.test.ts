import { describe, expect, it } from 'vitest';
import { parseServerMessage, previousSeq } from './agent-socket.ts';

describe('server messages on the relay socket', () => {
  it('reads the welcome, call events, pongs and errors', () => {
    expect(parseServerMessage('{"type":"welcome","seq":3,"agent":{"id":"ada","name":"Ada"}}')).toEqual({ type: 'welcome', seq: 3, agent: { id: 'ada', name: 'Ada' } });
    expect(parseServerMessage('{"type":"call","seq":4,"event":"updated","call":{"id":1,"call_id":"CA1"}}')).toEqual({ type: 'call', seq: 4, event: 'updated', call: { id: 1, call_id: 'CA1' } });
    expect(parseServerMessage('{"type":"call","seq":9,"prev_seq":4,"event":"created","call":{"call_id":"CA1"}}')).toEqual({ type: 'call', seq: 9, prev_seq: 4, event: 'created', call: { call_id: 'CA1' } });
    expect(parseServerMessage('{"type":"pong"}')).toEqual({ type: 'pong' });
    expect(parseServerMessage('{"type":"error","error":"unknown message"}')).toEqual({ type: 'error', error: 'unknown message' });
  });

  it.each([
    ['not JSON', 'welcome'],
    ['an unknown type', '{"type":"subscribe"}'],
    ['a fractional seq', '{"type":"call","seq":1.5,"event":"created","call":{"call_id":"CA1"}}'],
    ['a negative seq', '{"type":"welcome","seq":-1,"agent":{"id":"a","name":"A"}}'],
    ['a negative previous seq', '{"type":"call","seq":1,"prev_seq":-1,"event":"created","call":{"call_id":"CA1"}}'],
    ['an unknown event kind', '{"type":"call","seq":1,"event":"deleted","call":{"call_id":"CA1"}}'],
    ['a call without a call id', '{"type":"call","seq":1,"event":"created","call":{"id":1}}'],
  ])('has nothing for %s', (_, text) => {
    expect(parseServerMessage(text)).toBeUndefined();
  });

  it('gives the previous seq an event names, or the one before it from a relay that numbers contiguously', () => {
    expect(previousSeq({ seq: 9, prev_seq: 4 })).toBe(4);
    expect(previousSeq({ seq: 9, prev_seq: 0 })).toBe(0);
    expect(previousSeq({ seq: 9 })).toBe(8);
  });
});
