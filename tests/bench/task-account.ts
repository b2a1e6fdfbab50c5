/**
 * What holds a page's renderer main thread, task by task (Chromium's `toplevel` category traces
 * each task as a RunTask event), and the time in no task at all: whether the wait for a decorating
 * party is work or waiting (issue #12). The frames' idle in content-timeline.ts is time with no
 * timeline event, which counts Blink's heap sweeps and the browser's own tasks too.
 */
import type { FrameEvent } from './frame-attribution.ts';

/** One task of the thread, as the `toplevel` category traces it. */
export const TASK = 'ThreadControllerImpl::RunTask';

export type TaskKind = 'frames' | 'party' | 'timers' | 'blinkHeap' | 'linkMetrics' | 'other';

export const TASK_KINDS: Record<TaskKind, string> = {
  frames: 'frames',
  party: "the party's own tasks",
  timers: "the page's timers (the bench's poll)",
  blinkHeap: "Blink's heap (cppgc's sweeps)",
  linkMetrics: "Chromium's metrics of the page's links",
  other: 'other',
};

/**
 * Chromium's timer that reports the page's links to the browser (AnchorElementMetricsSender, for
 * its navigation predictor): after a 10,000-row fill, 0.2-0.3 s after the page's frame in the bare
 * page as with us, 50-60 ms of CPU for the list's 10,000 links; it lands in the frames of ours that
 * follow, after c2d's last number (issue #12).
 */
const LINK_METRICS = /anchor_element_metrics/;

export interface TaskSum {
  count: number;
  wall: number;
  cpu: number;
}

export interface TaskAccount {
  byKind: Record<TaskKind, TaskSum>;
  /** The party's script inside the frames' tasks (the overlay's passes after layout). */
  partyInFrames: { wall: number; cpu: number };
  /**
   * The task running at `from`, after it: the page's own frame goes on after its layerize (Blink's
   * DidFinishLifecycleUpdate, 60-100 ms after a 10,000-row fill, in the bare page too: Chromium's
   * metrics of the page's links, gone with its NavigationPredictor feature off; issue #12).
   */
  running: { wall: number; cpu: number };
  /** Wall time from `from` to the last task's end in which no task ran. */
  idle: number;
}

/**
 * The tasks that start at `from` or later, by kind: frames (any with a pre-paint or paint; the
 * party's script in them apart), the party's own tasks (the scanner's reading slices), the page's
 * timers (the bench's poll), Blink's heap (cppgc's sweeps) and Chromium's metrics of the page's
 * links (each by where it was posted), other.
 * `partyScripts` picks the party's outermost scripts among the events inside a task.
 */
export function accountTasks(events: readonly FrameEvent[], from: number, partyScripts: (inside: readonly FrameEvent[]) => readonly FrameEvent[]): TaskAccount {
  const sorted = [...events].sort((a, b) => a.start - b.start || b.duration - a.duration);
  const byKind = Object.fromEntries((Object.keys(TASK_KINDS) as TaskKind[]).map((kind) => [kind, { count: 0, wall: 0, cpu: 0 }])) as Record<TaskKind, TaskSum>;
  const partyInFrames = { wall: 0, cpu: 0 };
  const running = { wall: 0, cpu: 0 };
  let idle = 0;
  let busyUntil = from;
  let i = 0;
  for (const run of sorted) {
    if (run.name !== TASK) continue;
    if (run.start < from) {
      const after = run.start + run.duration - from;
      if (after <= 0) continue;
      running.wall += after;
      running.cpu += ((run.cpu ?? run.duration) * after) / run.duration;
      busyUntil = Math.max(busyUntil, from + after);
      continue;
    }
    const end = run.start + run.duration;
    // A task run inside another (a nested run loop) is in that one's time already.
    if (end <= busyUntil && run.start < busyUntil) continue;
    idle += Math.max(0, run.start - busyUntil);
    busyUntil = Math.max(busyUntil, end);
    while (i < sorted.length && (sorted[i] as FrameEvent).start < run.start) i++;
    const inside: FrameEvent[] = [];
    for (let j = i; j < sorted.length && (sorted[j] as FrameEvent).start < end; j++) if (!(sorted[j] as FrameEvent).toplevel) inside.push(sorted[j] as FrameEvent);
    const party = partyScripts(inside);
    const cpu = run.cpu ?? run.duration;
    let kind: TaskKind = 'other';
    if (inside.some((event) => event.name === 'PrePaint' || event.name === 'Paint' || event.name === 'Layerize')) {
      kind = 'frames';
      for (const script of party) {
        partyInFrames.wall += script.duration;
        partyInFrames.cpu += script.cpu ?? script.duration;
      }
    } else if (party.length > 0) kind = 'party';
    else if (inside.some((event) => event.name === 'TimerFire')) kind = 'timers';
    else if (/cppgc|heap/.test(run.postedFrom ?? '')) kind = 'blinkHeap';
    else if (LINK_METRICS.test(run.postedFrom ?? '')) kind = 'linkMetrics';
    const sum = byKind[kind];
    sum.count++;
    sum.wall += run.duration;
    sum.cpu += cpu;
  }
  return { byKind, partyInFrames, running, idle };
}
