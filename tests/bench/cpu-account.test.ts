import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { cpuMs, threadKernelMs } from './cpu-account.ts';

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
