/** What one content-timeline.ts run printed: ms, null where it did not say (not decorated in time). */
export interface TimelineFigures {
  decoratedMs: number | null;
  partyCpuMs: number | null;
  partyCpuAfterFrameMs: number | null;
  /** The thread's CPU in style, layout, pre-paint and paint after the page's frame: what the party's frames cost Chromium to render. */
  renderingAfterFrameMs: number | null;
  /** With --settle: through the bench's wait and check, what the party did after every number was seen included. */
  partyCpuSettledMs: number | null;
  /** When the bench saw every number, after the page's own frame: the frames the party drew after it, and their waits. */
  seenAfterFrameMs: number | null;
}

/** The figures a content-timeline.ts run printed, read from its output. */
export function timelineFigures(output: string): TimelineFigures {
  const number = (pattern: RegExp) => {
    const match = pattern.exec(output);
    return match ? Number(match[1]) : null;
  };
  return {
    decoratedMs: number(/decorated (\d+) ms after the change/),
    partyCpuMs: number(/the party's CPU (\d+);/),
    partyCpuAfterFrameMs: number(/thread CPU after the page's frame \(ms\): party (\d+)/),
    renderingAfterFrameMs: number(/thread CPU after the page's frame \(ms\): party .*\), rendering (\d+)/),
    partyCpuSettledMs: number(/the party's CPU from the change through the bench's wait and check: (\d+) ms/),
    seenAfterFrameMs: number(/the bench saw every number (-?\d+) ms after it/),
  };
}

/**
 * The party's CPU (ms) in the frames of a content-timeline.ts run (a row each: from, span, idle,
 * cpu, …, from its start) that ended by `endMs`: in an infinite scroll's run (`scroll --whole`)
 * up to its last append, what could have delayed the page's appends; what it left for after them
 * could not (issue #12).
 */
export function partyCpuInFramesEndedBy(output: string, endMs: number): number {
  let cpu = 0;
  for (const [, from, span, , partyCpu] of output.matchAll(/^\s*(\d+)\s+(\d+)\s+(-?\d+)\s+(\d+)\s+\d+\(\d+\)/gm)) {
    if (Number(from) + Number(span) <= endMs) cpu += Number(partyCpu);
  }
  return cpu;
}

/** An infinite scroll's last append's frame, as content-timeline.ts prints it (ms). */
export interface LastAppendFrame {
  /** From the append to the frame's layerize: the page's parse, style and layout of the rows, stretched by the machine's load. */
  afterAppendMs: number;
  /** The thread's CPU in the frame: the page's style, layout, pre-paint and paint, and the party's script. */
  renderingCpuMs: number;
  partyCpuMs: number;
  /** From the frame's layerize until the bench saw every number: its poll, and frames of the party's after it. */
  seenAfterMs: number;
}

/** The last append's frame of a content-timeline.ts scroll run; null where it printed none (the bare page, or not decorated in time). */
export function lastAppendFrame(output: string): LastAppendFrame | null {
  const found = /the last append's frame: its layerize (\d+) ms after the append .* the page's rendering (\d+), the party's (\d+), .* every number (\d+) ms after its layerize/.exec(output);
  if (!found) return null;
  const [afterAppendMs, renderingCpuMs, partyCpuMs, seenAfterMs] = found.slice(1).map(Number) as [number, number, number, number];
  return { afterAppendMs, renderingCpuMs, partyCpuMs, seenAfterMs };
}

/** B / A, two decimals; undefined where either is missing. */
export function ratio(a: number | null, b: number | null): number | undefined {
  return a && b !== null ? Math.round((b / a) * 100) / 100 : undefined;
}
