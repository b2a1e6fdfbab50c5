import { describe, expect, it } from 'vitest';
import type { TraceEvent } from './chromium-trace.ts';
import { relayoutsAfterOurPass } from './layout-roots.ts';

const OURS = 'chrome-extension://abc/content-scripts/content.js';
const PAGE = 'http://127.0.0.1/crm-list.js';
const ours = (url: string) => url.startsWith('chrome-extension://');

const event = (name: string, ts: number, dur: number, args?: TraceEvent['args']): TraceEvent => ({ name, ph: 'X', ts, dur, tdur: dur, pid: 1, tid: 1, ...(args ? { args } : {}) });
const layout = (ts: number, dur: number, nodeId: number, depth: number, dirtyObjects: number) => event('Layout', ts, dur, { beginData: { dirtyObjects }, endData: { layoutRoots: [{ nodeId, depth }] } });

/**
 * The page's append (a task, our mutation callback in it), then its frame: the page's layout and
 * pre-paint, our pass after layout, the layout again after it; then the next append.
 */
const EVENTS: TraceEvent[] = [
  event('RunTask', 0, 40_000),
  event('FunctionCall', 0, 10_000, { data: { url: PAGE } }),
  event('FunctionCall', 12_000, 20_000, { data: { url: OURS } }),
  event('RunTask', 50_000, 200_000),
  layout(51_000, 100_000, 2, 1, 8005),
  event('PrePaint', 152_000, 30_000),
  event('IntersectionObserverController::computeIntersections', 182_000, 500),
  event('FunctionCall', 182_600, 300, { data: { url: OURS } }),
  event('V8.StackGuard', 182_950, 40),
  event('FunctionCall', 183_000, 40_000, { data: { url: OURS } }),
  event('V8.StackGuard', 190_000, 1_000),
  event('UpdateLayoutTree', 223_500, 400),
  layout(224_000, 2_000, 77, 4, 7),
  event('PrePaint', 226_500, 1_000),
  event('Paint', 228_000, 3_000),
  // The page's next append, run from a task that the trace does not wrap (a devtools evaluation).
  event('FunctionCall', 300_000, 10_000, { data: { url: OURS } }),
  layout(311_000, 5_000, 2, 1, 40),
];

describe('relayoutsAfterOurPass', () => {
  it('finds the layout after our pass in the frame, not the page layouts our mutation callback precedes', () => {
    expect(relayoutsAfterOurPass(EVENTS, ours)).toEqual([{ roots: [77], depths: [4], dirtyObjects: 7, cpuMs: 2 }]);
  });

  it('finds none where the script after the pre-paint is the page\'s', () => {
    const pages = EVENTS.map((e) => (e.ts === 183_000 ? { ...e, args: { data: { url: PAGE } } } : e));
    expect(relayoutsAfterOurPass(pages, ours)).toEqual([]);
  });
});
