import { describe, expect, it } from 'vitest';
import type { FrameEvent } from './frame-attribution.ts';
import { accountTasks, TASK } from './task-account.ts';

const ours = (inside: readonly FrameEvent[]) => inside.filter((event) => event.name === 'FunctionCall' && event.url?.startsWith('chrome-extension://'));

describe('accountTasks', () => {
  it("sorts the tasks from `from` on into frames (our passes in them apart), our tasks, timers, Blink heap, Chromium's link metrics and other, nested ones once, and sums the time no task ran", () => {
    const events: FrameEvent[] = [
      // Before `from`: the page's own frame, its last 4 ms after it (its lifecycle's end).
      { toplevel: true, name: TASK, start: 0, duration: 104, cpu: 52 },
      { name: 'Layout', start: 10, duration: 50 },
      // A reading slice of ours, 1 ms after it.
      { toplevel: true, name: TASK, start: 105, duration: 5, cpu: 5 },
      { name: 'FunctionCall', start: 105, duration: 5, cpu: 5, url: 'chrome-extension://id/content.js' },
      // 5 ms with no task, then a frame with our pass after its layout.
      { toplevel: true, name: TASK, start: 115, duration: 30, cpu: 25 },
      { name: 'FunctionCall', start: 116, duration: 20, cpu: 18, url: 'chrome-extension://id/content.js' },
      // A task run inside it (a nested run loop): in the frame's time already.
      { toplevel: true, name: TASK, start: 137, duration: 1, cpu: 1 },
      { name: 'PrePaint', start: 137, duration: 3 },
      { name: 'Paint', start: 140, duration: 4 },
      // The bench's poll, a cppgc sweep, and something else.
      { toplevel: true, name: TASK, start: 145, duration: 6, cpu: 5 },
      { name: 'TimerFire', start: 145, duration: 6, url: 'http://127.0.0.1/crm-list.js' },
      { toplevel: true, name: TASK, start: 151, duration: 4, cpu: 4, postedFrom: 'v8/src/heap/cppgc/sweeper.cc' },
      { toplevel: true, name: TASK, start: 160, duration: 1, cpu: 1, postedFrom: 'ipc/ipc_mojo_bootstrap.cc' },
      // Chromium's report of the page's links: a timer of its own, no TimerFire.
      { toplevel: true, name: TASK, start: 161, duration: 9, cpu: 7, postedFrom: 'third_party/blink/renderer/core/html/anchor_element_metrics_sender.cc' },
    ];
    const { byKind, partyInFrames, running, idle } = accountTasks(events, 100, ours);
    expect(byKind).toEqual({
      frames: { count: 1, wall: 30, cpu: 25 },
      party: { count: 1, wall: 5, cpu: 5 },
      timers: { count: 1, wall: 6, cpu: 5 },
      blinkHeap: { count: 1, wall: 4, cpu: 4 },
      linkMetrics: { count: 1, wall: 9, cpu: 7 },
      other: { count: 1, wall: 1, cpu: 1 },
    });
    expect(partyInFrames).toEqual({ wall: 20, cpu: 18 });
    expect(running).toEqual({ wall: 4, cpu: 2 });
    // 104 to 105, 110 to 115, then 155 to 160.
    expect(idle).toBe(11);
  });
});
