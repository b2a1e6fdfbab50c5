/**
 * The CRM relay's slow mode, function by function (issue 10): runs of `crm-load.ts --phases
 * --profile` fall into a fast mode (the main thread with ÷ without the CRM near × 1) or a slow
 * one (× 1.25 and more); each run's self time per new call by function, with the CRM, is set
 * against the other mode's median, to say who gets the slow runs' extra time.
 */
import { median } from './relay-crm.ts';

/** One run with the CRM: its main thread with ÷ without (the mode) and its self µs per webhook by function. */
export interface ProfiledRun {
  /** The main thread on a core per new call while sending, with the CRM over without. */
  withOverWithout: number;
  /** The main thread on a core per new call while sending (/proc), µs. */
  cpuUs: number;
  /** The profile's busy µs per new call while sending: wall time, the waits on a run queue and in blocking calls (`fsync`) in it. */
  busyUs: number;
  /** Self µs per new call by function, on a core (`selfOnCpu`). */
  selfUs: ReadonlyMap<string, number>;
}

/**
 * Self time by function scaled to the thread's time on a core: V8's sampler stamps wall time, so
 * a run whose thread waited longer on a run queue (the other sessions' load) shows every function
 * longer; scaled so that they sum to `cpuUs`, runs compare by their CPU alone (the waits taken as
 * falling on the functions as their samples do).
 */
export function selfOnCpu(selfUs: ReadonlyMap<string, number>, busyUs: number, cpuUs: number): Map<string, number> {
  return new Map([...selfUs].map(([name, us]) => [name, (us * cpuUs) / busyUs]));
}

/** Where a run falls: s47-crmmark's bounds (slow at × 1.25 or more; fast under × 1.10; between, told apart from neither). */
export const SLOW_FROM = 1.25;
export const FAST_UNDER = 1.1;

export interface ModeComparison {
  slowRuns: number;
  fastRuns: number;
  /** The median main thread µs on a core per new call of each mode. */
  cpuUs: { fast: number; slow: number };
  /** By function: the median self µs per new call of each mode, the largest growth from fast to slow first. */
  rows: Array<{ name: string; fast: number; slow: number }>;
}

/** Median self time by function of the slow runs against the fast ones; undefined until there is a run of each. */
export function compareModes(runs: readonly ProfiledRun[]): ModeComparison | undefined {
  const slow = runs.filter((run) => run.withOverWithout >= SLOW_FROM);
  const fast = runs.filter((run) => run.withOverWithout < FAST_UNDER);
  if (slow.length === 0 || fast.length === 0) return undefined;
  const names = new Set(runs.flatMap((run) => [...run.selfUs.keys()]));
  // A function missing from a run's samples ran for none of them: 0 there, not left out of the median.
  const medianOf = (group: readonly ProfiledRun[], name: string) => median(group.map((run) => run.selfUs.get(name) ?? 0));
  const rows = [...names].map((name) => ({ name, fast: medianOf(fast, name), slow: medianOf(slow, name) })).sort((a, b) => b.slow - b.fast - (a.slow - a.fast));
  return { slowRuns: slow.length, fastRuns: fast.length, cpuUs: { fast: median(fast.map((run) => run.cpuUs)), slow: median(slow.map((run) => run.cpuUs)) }, rows };
}
