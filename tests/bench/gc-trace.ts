/**
 * V8's `--trace-gc-nvp` lines read into what a phase promoted out of the nursery: the bytes each
 * scavenge moved to the old generation, by isolate (the relay's main thread, its CRM thread), and
 * the collections. Promoted bytes are what the major collector marks and compacts later; a new
 * call with a CRM promoted 3.2 KB against 0.5 without one (issue 10), which `crm-load.ts --phases
 * --gc` counts per phase with this.
 */

export interface GcCounts {
  /** Bytes promoted by the scavenges of the isolate that traced first (the main thread's: it collects before any worker starts). */
  promotedBytes: number;
  scavenges: number;
  /** Mark-compacts of that isolate. */
  markCompacts: number;
  /** That isolate's pauses (ms): its scavenges', its mark-compacts' (the atomic pause), and the incremental marking its thread ran before each mark-compact. */
  scavengePauseMs: number;
  markCompactPauseMs: number;
  incrementalMarkingMs: number;
  /**
   * That isolate's heap (bytes) when the slice's first collection began: how far V8 let its old
   * generation grow since its last mark-compact, which decides whether the next one lands in the
   * phase. The CRM relay's read 43 to 86 MB (2^20 bytes) at its measured new calls, run to run (issue 10).
   */
  heapBytesAtFirst: number | undefined;
  /** Bytes promoted by the other isolates' scavenges (worker threads). */
  otherPromotedBytes: number;
}

// [12329:0x5d1c0e0]     4012 ms: pause=0.8 mutator=3.1 gc=s … promoted=1234 …
const GC_LINE = /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: pause=.* gc=(\w+) /;
const PROMOTED = / promoted=(\d+) /;
const PAUSE = / pause=([\d.]+) /;
// The mark-compact's line: its main thread's incremental marking steps, before the pause (`incremental.finalize`, … are parts).
const INCREMENTAL = / incremental=([\d.]+) /;
const HEAP_BEFORE = / total_size_before=(\d+) /;

/**
 * Counts `lines` (a slice of the process's output); `mainIsolate` is the address of the main
 * thread's isolate (`mainIsolateOf` the whole output), so that a slice from which it is absent
 * still counts the others apart.
 */
export function countGc(lines: readonly string[], mainIsolate: string | undefined): GcCounts {
  const counts: GcCounts = { promotedBytes: 0, scavenges: 0, markCompacts: 0, otherPromotedBytes: 0, scavengePauseMs: 0, markCompactPauseMs: 0, incrementalMarkingMs: 0, heapBytesAtFirst: undefined };
  for (const line of lines) {
    const gc = GC_LINE.exec(line);
    if (!gc) continue;
    const promoted = gc[2] === 's' ? Number(PROMOTED.exec(line)?.[1] ?? 0) : 0;
    if (gc[1] !== mainIsolate) {
      counts.otherPromotedBytes += promoted;
      continue;
    }
    const pause = Number(PAUSE.exec(line)?.[1] ?? 0);
    counts.heapBytesAtFirst ??= Number(HEAP_BEFORE.exec(line)?.[1] ?? NaN);
    if (gc[2] === 's') {
      counts.scavenges++;
      counts.promotedBytes += promoted;
      counts.scavengePauseMs += pause;
    } else if (gc[2] === 'mc') {
      counts.markCompacts++;
      counts.markCompactPauseMs += pause;
      counts.incrementalMarkingMs += Number(INCREMENTAL.exec(line)?.[1] ?? 0);
    }
  }
  return counts;
}

/** The isolate of the first collection traced: the main thread's, which collects during start-up, before a worker exists. */
export function mainIsolateOf(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const gc = GC_LINE.exec(line);
    if (gc) return gc[1];
  }
  return undefined;
}

/**
 * Incremental marking in a slice of the trace, when the process ran with
 * `--trace-incremental-marking` too (crm-load.ts `--marking`): whether the main thread marked
 * through the slice, paying each marking step and the write barrier's marking path on its stores
 * (the CRM relay's slow mode, its heap grown to 77 to 86 MB: issue 10).
 */
export interface MarkingCounts {
  /** A cycle's marking had begun before the slice and had not ended in a mark-compact. */
  onAtStart: boolean;
  /** Cycles begun in the slice. */
  started: number;
  /** ms of the slice (by the trace's clock, from its first line of the isolate to its last) with marking on. */
  onMs: number;
  steps: number;
  /** The steps' time on the main thread (ms). */
  stepsMs: number;
}

const TRACE_CLOCK = /^\[\d+:(0x[0-9a-f]+)\]\s+([\d.]+) ms: /;
const MARKING_START = /\[IncrementalMarking\] Start \(/;
// `[IncrementalMarking] Step in v8 V8: 64KB (64KB), embedder: 0.01ms (0.5ms) in 0.1`: the step's own ms last.
const MARKING_STEP = /\[IncrementalMarking\] Step .* in ([\d.]+)\s*$/;

/**
 * Counts the main isolate's marking in `output.slice(from)`, the lines before `from` telling
 * whether a cycle was already under way: it runs from its `Start` line to its mark-compact's.
 */
export function countMarking(output: readonly string[], from: number, mainIsolate: string | undefined): MarkingCounts {
  const counts: MarkingCounts = { onAtStart: false, started: 0, onMs: 0, steps: 0, stepsMs: 0 };
  let markingSince: number | undefined;
  let sliceStart: number | undefined;
  let last = 0;
  output.forEach((line, index) => {
    const clock = TRACE_CLOCK.exec(line);
    if (!clock || clock[1] !== mainIsolate) return;
    const at = Number(clock[2]);
    const inSlice = index >= from;
    if (inSlice && sliceStart === undefined) {
      sliceStart = at;
      counts.onAtStart = markingSince !== undefined;
    }
    last = at;
    if (MARKING_START.test(line)) {
      markingSince = at;
      if (inSlice) counts.started++;
    } else if (GC_LINE.exec(line)?.[2] === 'mc') {
      if (inSlice && markingSince !== undefined) counts.onMs += at - Math.max(markingSince, sliceStart!);
      markingSince = undefined;
    } else if (inSlice) {
      const step = MARKING_STEP.exec(line);
      if (step) {
        counts.steps++;
        counts.stepsMs += Number(step[1]);
      }
    }
  });
  if (sliceStart !== undefined && markingSince !== undefined) counts.onMs += last - Math.max(markingSince, sliceStart);
  return counts;
}
