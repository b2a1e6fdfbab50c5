import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextTask } from './schedule.ts';

const global = globalThis as { scheduler?: unknown };

afterEach(() => {
  delete global.scheduler;
});

describe('nextTask', () => {
  it("runs the callback as a background task where the browser has scheduler.postTask: the page's tasks go first", async () => {
    const postTask = vi.fn((callback: () => void) => Promise.resolve().then(callback));
    global.scheduler = { postTask };
    const callback = vi.fn();
    nextTask(callback);
    expect(postTask).toHaveBeenCalledExactlyOnceWith(callback, { priority: 'background' });
    await vi.waitFor(() => expect(callback).toHaveBeenCalledOnce());
  });

  it('runs callbacks in order as ordinary tasks without scheduler.postTask', async () => {
    const order: number[] = [];
    nextTask(() => order.push(1));
    nextTask(() => order.push(2));
    expect(order).toEqual([]);
    await vi.waitFor(() => expect(order).toEqual([1, 2]));
  });
});
