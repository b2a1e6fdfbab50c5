/**
 * Where a bench phase's wall time went, per webhook, process by process (Linux /proc): the relay's
 * main thread running, runnable but waiting for a core another process held, or idle (waiting for
 * the senders, the disk, the CRM's answers); the relay's other threads (the thread pool's disk
 * syncs, the checkpointer); and the bench process itself (the load generator, the agent's socket
 * and, with a CRM, its simulator). Issue 10 asks why webhooks slow down when a CRM is configured:
 * the relay's own CRM work, or the simulator's CPU taking the relay's cores.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Cumulative readings at one moment. */
export interface CpuReading {
  /** The relay's main thread: time on a core, and time runnable on a run queue (ms). */
  relayMainRunMs: number;
  relayMainQueuedMs: number;
  /** Every thread of the relay process (ms). */
  relayCpuMs: number;
  /** This process: generator, socket, simulator (ms). */
  benchCpuMs: number;
  at: number;
}

/** A phase, in ms per webhook. */
export interface PhaseAccount {
  wallMs: number;
  relayMainRunMs: number;
  /** Runnable, no core free: CPU the other processes (the bench's, the machine's) took from the relay. */
  relayMainQueuedMs: number;
  /** Neither running nor runnable: the relay waited for input (webhooks, CRM answers) or the disk. */
  relayMainIdleMs: number;
  relayOtherThreadsMs: number;
  benchCpuMs: number;
}

/** This process's CPU so far, user and system (µs). */
export function ownCpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * The calling thread's time on a core so far (µs), from its schedstat (ns): what the process's other
 * threads spend (V8's collector and compiler, the store's syncs and checkpoints) left out.
 */
export function threadRunUs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000;
}

export function readCpu(relayPid: number): CpuReading {
  const main = schedTimes(relayPid, relayPid);
  return { relayMainRunMs: main.runMs, relayMainQueuedMs: main.queuedMs, relayCpuMs: cpuMs(relayPid), benchCpuMs: ownCpuUs() / 1000, at: performance.now() };
}

export function phaseAccount(before: CpuReading, after: CpuReading, webhooks: number): PhaseAccount {
  const per = (value: number) => Number((value / webhooks).toFixed(3));
  const wall = after.at - before.at;
  const run = after.relayMainRunMs - before.relayMainRunMs;
  const queued = after.relayMainQueuedMs - before.relayMainQueuedMs;
  return {
    wallMs: per(wall),
    relayMainRunMs: per(run),
    relayMainQueuedMs: per(queued),
    relayMainIdleMs: per(Math.max(0, wall - run - queued)),
    // /proc/<pid>/stat counts in 10 ms ticks, the schedstat in ns: the difference is floored at 0.
    relayOtherThreadsMs: per(Math.max(0, after.relayCpuMs - before.relayCpuMs - run)),
    benchCpuMs: per(after.benchCpuMs - before.benchCpuMs),
  };
}

/** Runs `work` (sending `webhooks` webhooks) and accounts for where its wall time went. */
export async function accountedPhase<T>(relayPid: number, webhooks: number, work: () => Promise<T>): Promise<{ result: T; account: PhaseAccount }> {
  const before = readCpu(relayPid);
  const result = await work();
  return { result, account: phaseAccount(before, readCpu(relayPid), webhooks) };
}

/**
 * User and system CPU time of a process, or of one of its threads (`tid`; the main thread's is the
 * pid), in the same 10 ms ticks, so that the process's less its main thread's is its other threads'
 * (V8's compiler and collector, libuv's pool, workers) (Linux /proc; USER_HZ is 100 on every Linux
 * we run).
 */
export function cpuMs(pid: number, tid?: number): number {
  const fields = statFields(pid, tid);
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Of a thread's CPU so far, its time in the kernel (ms) and its minor page faults, /proc's `stat` (10 ms ticks). */
export function threadKernelMs(pid: number, tid: number): { systemMs: number; minorFaults: number } {
  const fields = statFields(pid, tid);
  return { systemMs: Number(fields[12]) * 10, minorFaults: Number(fields[7]) };
}

/** The processes under `root` (its children, theirs, …), with their commands (Linux /proc `comm`). */
export function descendantsOf(root: number): Map<number, string> {
  const processes = new Map<number, { parent: number; command: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      processes.set(Number(entry), { parent: Number(statFields(Number(entry))[1]), command: readFileSync(`/proc/${entry}/comm`, 'utf8').trim() });
    } catch {
      // Gone between the listing and the read.
    }
  }
  const under = (pid: number): boolean => {
    for (let at = processes.get(pid)?.parent; at !== undefined && at > 0; at = processes.get(at)?.parent) if (at === root) return true;
    return false;
  };
  return new Map([...processes].filter(([pid]) => under(pid)).map(([pid, found]) => [pid, found.command]));
}

/** The processes under `root` whose command is `command` (`descendantsOf`). */
export function processesUnder(root: number, command: string): number[] {
  return [...descendantsOf(root)].filter(([, found]) => found === command).map(([pid]) => pid);
}

/** The fields of a process's or thread's /proc `stat` after its name (field 3, the state, first): a name may hold spaces, never ") ". */
function statFields(pid: number, tid?: number): string[] {
  return readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
}

/** A thread's time on a core and its time runnable on a run queue, waiting for a core another thread held (ms). */
export interface ThreadTimes {
  runMs: number;
  queuedMs: number;
}

/**
 * Each thread's schedstat so far (ns, as ms), summed by the thread's name, the main thread as
 * `main`: a thread that names itself (issue 13's store worker prototype, `pc-store`) is told from
 * V8's and libuv's, which Node leaves named as the process. A thread that ended between two
 * readings is missing from the later one: read threads that live through the phase.
 */
export function threadTimesByName(pid: number): Record<string, ThreadTimes> {
  const byName: Record<string, ThreadTimes> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let name: string;
    let thread: ThreadTimes;
    try {
      name = Number(tid) === pid ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      thread = schedTimes(pid, tid);
    } catch {
      // The thread ended while it was read.
      continue;
    }
    const times = (byName[name] ??= { runMs: 0, queuedMs: 0 });
    times.runMs += thread.runMs;
    times.queuedMs += thread.queuedMs;
  }
  return byName;
}

/** One thread's schedstat: time on a core, time waiting on a run queue (ns, as ms; its third field, timeslices, unread; sched_info, Linux >= 2.6.24). */
function schedTimes(pid: number, tid: number | string): ThreadTimes {
  const [run, queued] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
  return { runMs: run! / 1e6, queuedMs: queued! / 1e6 };
}

/** Each name's times between two `threadTimesByName` readings, per webhook (ms, 3 decimals); a name absent before counts from 0. */
export function threadTimesPerWebhook(before: Record<string, ThreadTimes>, after: Record<string, ThreadTimes>, webhooks: number): Record<string, ThreadTimes> {
  const per = (now: number, then = 0) => Number(((now - then) / webhooks).toFixed(3));
  return Object.fromEntries(Object.entries(after).map(([name, times]) => [name, { runMs: per(times.runMs, before[name]?.runMs), queuedMs: per(times.queuedMs, before[name]?.queuedMs) }]));
}

/** Resident memory of a process in KiB (Linux /proc). */
export function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}
