/** What one content-timeline.ts run printed: ms, null where it did not say (not decorated in time). */
export interface TimelineFigures {
  decoratedMs: number | null;
  partyCpuMs: number | null;
  partyCpuAfterFrameMs: number | null;
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
    partyCpuSettledMs: number(/the party's CPU from the change through the bench's wait and check: (\d+) ms/),
    seenAfterFrameMs: number(/the bench saw every number (-?\d+) ms after it/),
  };
}

/** B / A, two decimals; undefined where either is missing. */
export function ratio(a: number | null, b: number | null): number | undefined {
  return a && b !== null ? Math.round((b / a) * 100) / 100 : undefined;
}
