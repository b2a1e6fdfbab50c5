import { vi } from 'vitest';

/**
 * The browser's frame, played by the test: animation frame callbacks, then (once the frame has
 * laid the page out) the resize notices of elements observed since. happy-dom lays nothing out.
 */
export function scriptedFrames({ notices = true } = {}) {
  const animationCallbacks = new Map<number, FrameRequestCallback>();
  let lastId = 0;
  const observers = new Set<{ callback: ResizeObserverCallback; targets: Element[] }>();
  const events: string[] = [];
  vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
    animationCallbacks.set(++lastId, callback);
    return lastId;
  });
  vi.stubGlobal('cancelAnimationFrame', (id: number) => animationCallbacks.delete(id));
  vi.stubGlobal(
    'ResizeObserver',
    class {
      private readonly state: { callback: ResizeObserverCallback; targets: Element[] };
      constructor(callback: ResizeObserverCallback) {
        this.state = { callback, targets: [] };
        observers.add(this.state);
      }
      observe(target: Element) {
        events.push('observe');
        this.state.targets.push(target);
      }
      unobserve() {}
      disconnect() {
        this.state.targets = [];
        observers.delete(this.state);
      }
    },
  );
  /** `layout`: what the frame's style and layout do, between its animation frame callbacks and its resize notices. */
  const frame = (layout = () => {}) => {
    const callbacks = [...animationCallbacks.values()];
    animationCallbacks.clear();
    for (const callback of callbacks) callback(performance.now());
    layout();
    events.push('layout');
    if (notices) for (const observer of [...observers]) {
      // Each notice carries its target's box, as the browser's does (the overlay reads its width).
      if (observer.targets.length > 0) observer.callback(observer.targets.map((target) => ({ target, contentRect: target.getBoundingClientRect() }) as ResizeObserverEntry), {} as ResizeObserver);
    }
  };
  return { frame, events, animationCallbacks };
}
