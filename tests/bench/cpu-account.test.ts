import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { cpuMs, processesUnder, threadKernelMs, threadTimesByName, threadTimesPerWebhook } from './cpu-account.ts';

describe('cpuMs', () => {
  it("tells a process's main thread from its other threads", async () => {
    const before = { process: cpuMs(process.pid), main: cpuMs(process.pid, process.pid) };
    // A fixed amount of work on another thread, while the main thread waits for its exit.
    const worker = new Worker('let sum = 0; for (let i = 0; i < 5e7; i++) sum = (sum + i) % 1000003; require("node:worker_threads").parentPort.postMessage(sum);', { eval: true });
    await new Promise((resolve, reject) => {
      worker.once('exit', resolve);
      worker.once('error', reject);
    });
    const after = { process: cpuMs(process.pid), main: cpuMs(process.pid, process.pid) };
    expect(after.main).toBeLessThanOrEqual(after.process);
    // The worker's loop takes hundreds of ms of CPU; the main thread's own share of the wait is a few ticks.
    expect(after.process - before.process - (after.main - before.main)).toBeGreaterThanOrEqual(100);
  });
});

describe('threadKernelMs', () => {
  it("counts the thread's minor page faults, and its kernel time within its CPU", () => {
    const before = threadKernelMs(process.pid, process.pid);
    // 64 MiB written page by page: each page is a fault the thread takes on first touch.
    const pages = Buffer.allocUnsafeSlow(64 * 1024 * 1024);
    for (let at = 0; at < pages.length; at += 4096) pages[at] = 1;
    const after = threadKernelMs(process.pid, process.pid);
    expect(after.minorFaults - before.minorFaults).toBeGreaterThanOrEqual(100);
    expect(after.systemMs).toBeLessThanOrEqual(cpuMs(process.pid, process.pid));
  });
});

describe('threadTimesByName', () => {
  it("gives a thread that named itself its own time on a core, apart from the main thread's", async () => {
    const before = threadTimesByName(process.pid);
    // Names itself, does a fixed amount of work, says so, and lives until told to end: a thread that ended is gone from /proc.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
      require('node:fs').writeFileSync('/proc/thread-self/comm', 'pc-probe');
      let sum = 0; for (let i = 0; i < 5e7; i++) sum = (sum + i) % 1000003;
      parentPort.postMessage(sum);
      parentPort.once('message', () => parentPort.close());`,
      { eval: true },
    );
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const after = threadTimesByName(process.pid);
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('end');
    await exited;
    expect(before['pc-probe']).toBeUndefined();
    const probe = after['pc-probe']!;
    // The loop takes hundreds of ms of CPU; the main thread's share of the wait is far less.
    expect(probe.runMs).toBeGreaterThanOrEqual(100);
    expect(probe.queuedMs).toBeGreaterThanOrEqual(0);
    expect(after.main!.runMs - before.main!.runMs).toBeLessThan(probe.runMs);
    const perWebhook = threadTimesPerWebhook(before, after, 10);
    expect(perWebhook['pc-probe']).toEqual({ runMs: Number((probe.runMs / 10).toFixed(3)), queuedMs: Number((probe.queuedMs / 10).toFixed(3)) });
    expect(perWebhook.main!.runMs).toBeCloseTo((after.main!.runMs - before.main!.runMs) / 10, 2);
    expect(perWebhook.main!.queuedMs).toBeCloseTo((after.main!.queuedMs - before.main!.queuedMs) / 10, 2);
  });
});

describe('processesUnder', () => {
  it("finds a process's children and their children by command, and no one else's", async () => {
    // A shell that starts `sleep` and waits for it: the sleep is this process's grandchild.
    const shell = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const sleepPid = Number(await new Promise<string>((resolve) => shell.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
    try {
      // `$!` is known once the shell forked: the child is `sh` until it has exec'd `sleep`, which a busy machine may not have done yet.
      await vi.waitFor(() => expect(readFileSync(`/proc/${sleepPid}/comm`, 'utf8').trim()).toBe('sleep'), { timeout: 20_000, interval: 10 });
      expect(processesUnder(process.pid, 'sleep')).toEqual([sleepPid]);
      expect(processesUnder(process.pid, 'sh')).toEqual([shell.pid]);
      expect(processesUnder(shell.pid!, 'sleep')).toEqual([sleepPid]);
      expect(processesUnder(sleepPid, 'sleep')).toEqual([]);
    } finally {
      process.kill(sleepPid);
      shell.kill();
    }
  });
});
