import type { CrmRateWindow } from '../store/index.ts';

/**
 * How long until a window whose counted requests ended at `ends` (Infinity: still running) has
 * room for one more: 0 now. A request counts while its end lies within `perMs` of now; a full
 * window of requests still running is looked at again after `perMs`.
 */
export function windowWait(ends: readonly number[], window: Pick<CrmRateWindow, 'requests' | 'perMs'>, now: number): number {
  const counted = ends.filter((end) => end > now - window.perMs);
  if (counted.length < window.requests) return 0;
  counted.sort((a, b) => a - b);
  const freeing = counted[counted.length - window.requests]!;
  return freeing === Infinity ? window.perMs : freeing + window.perMs - now;
}

/** Whether a window counts a request of `operation` (null: a token step, counted only by windows of every request). */
export function windowCounts(window: Pick<CrmRateWindow, 'operations'>, operation: string | null | undefined): boolean {
  return !window.operations || (operation != null && window.operations.includes(operation));
}

/** How long until a request may take a place in every one of `windows`, given the places counted (the shared windows' rows). */
export function placesWait(places: ReadonlyArray<{ operation: string | null; endedAt: number }>, windows: readonly CrmRateWindow[], now: number): number {
  return Math.max(0, ...windows.map((window) => windowWait(places.filter((place) => windowCounts(window, place.operation)).map((place) => place.endedAt), window, now)));
}
