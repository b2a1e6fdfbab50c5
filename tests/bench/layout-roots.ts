/**
 * The layouts a frame ran again after the overlay's pass (issue #12), with their roots. The pass
 * runs right after the frame's layout and pre-paint, in that frame's task (a resize observer's
 * notice: extension/src/content/scan/after-layout.ts); what it wrote is laid out again before
 * the frame paints. Where that layout starts says whether our boxes are a relayout boundary: at
 * the document it walks the page's whole tree, growing with the page; at our overlay's root it
 * lays out our boxes alone.
 */
import type { TraceEvent } from './chromium-trace.ts';

export interface Relayout {
  /** The DOM nodes (backend ids) the layout started from. */
  roots: number[];
  /** Their depth in the layout tree: 1 is the document's element. */
  depths: number[];
  dirtyObjects: number;
  /** The thread's CPU time in it (ms). */
  cpuMs: number;
}

/**
 * The Layout events of one thread (its complete events) that the frame's lifecycle ran right
 * after a pre-paint and a script of ours: pre-paint, the intersection observers' computation,
 * our scripts (resize observers' notices; the engine's interrupts between them), style, layout. Not the page's own layout, which our
 * mutation callback precedes too, but in the page's task, not between its frame's steps.
 */
export function relayoutsAfterOurPass(threadEvents: readonly TraceEvent[], ours: (url: string) => boolean): Relayout[] {
  const sorted = threadEvents.filter((event) => event.ph === 'X').sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const relayouts: Relayout[] = [];
  let step: 'none' | 'pre-painted' | 'our pass' = 'none';
  /** The end of the pre-paint or of our script: events before it are inside them. */
  let insideUntil = Number.NEGATIVE_INFINITY;
  for (const event of sorted) {
    if (event.ts < insideUntil) continue;
    const end = event.ts + (event.dur ?? 0);
    if (event.name === 'PrePaint') {
      step = 'pre-painted';
      insideUntil = end;
    } else if (step !== 'none' && event.name === 'FunctionCall' && ours(event.args?.data?.url ?? '')) {
      // Our resize observers' notices, one after the other (the overlay's pass among them).
      step = 'our pass';
      insideUntil = end;
    } else if (step !== 'none' && event.name.startsWith('V8.')) continue;
    else if (step === 'pre-painted' && event.name === 'IntersectionObserverController::computeIntersections') continue;
    else if (step === 'our pass' && event.name === 'UpdateLayoutTree') continue;
    else {
      if (step === 'our pass' && event.name === 'Layout') {
        const roots = event.args?.endData?.layoutRoots ?? [];
        relayouts.push({ roots: roots.map((root) => root.nodeId), depths: roots.map((root) => root.depth), dirtyObjects: event.args?.beginData?.dirtyObjects ?? 0, cpuMs: (event.tdur ?? event.dur ?? 0) / 1000 });
      }
      step = 'none';
    }
  }
  return relayouts;
}
