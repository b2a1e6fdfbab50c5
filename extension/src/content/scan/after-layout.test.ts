// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { afterLayout } from './after-layout.ts';
import { scriptedFrames } from '../../testing/scripted-frames.ts';

const task = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('afterLayout', () => {
  it("runs the callbacks requested before a frame once, after that frame's layout, the page's document observed from an animation frame callback", async () => {
    const { frame, events } = scriptedFrames();
    const ran: string[] = [];
    afterLayout(() => ran.push('first'));
    afterLayout(() => ran.push('second'));
    // Nothing observed yet: a resize callback running now would not deliver it in this frame.
    expect(events).toEqual([]);
    frame();
    expect(events).toEqual(['observe', 'layout']);
    expect(ran).toEqual(['first', 'second']);
    // The first task after the frame finds them run: not again.
    await task();
    await task();
    expect(ran).toEqual(['first', 'second']);
  });

  it("tells each callback how long the frame's style and layout took, and runs those asked first before the others", () => {
    const { frame } = scriptedFrames();
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const ran: string[] = [];
    afterLayout((laidOutMs) => ran.push(`overlay ${laidOutMs}`));
    afterLayout((laidOutMs) => ran.push(`scanner ${laidOutMs}`), { first: true });
    // The page laid out a list it just filled.
    frame(() => (now += 2500));
    expect(ran).toEqual(['scanner 2500', 'overlay 2500']);
  });

  it('requested from its own callback, runs after the next frame', async () => {
    const { frame } = scriptedFrames();
    const ran: number[] = [];
    afterLayout(() => {
      ran.push(1);
      afterLayout(() => ran.push(2));
    });
    frame();
    expect(ran).toEqual([1]);
    await task();
    await task();
    expect(ran).toEqual([1]);
    frame();
    expect(ran).toEqual([1, 2]);
  });

  it('once the notice came, leaves nothing of its own for later: its fallback frame callback is cancelled', () => {
    const { frame, animationCallbacks } = scriptedFrames();
    const ran = vi.fn();
    afterLayout(ran);
    frame();
    expect(ran).toHaveBeenCalledOnce();
    expect(animationCallbacks.size).toBe(0);
  });

  it('where no resize notice comes (no layout), runs at the next frame, in its animation frame callbacks', async () => {
    const { frame } = scriptedFrames({ notices: false });
    const ran = vi.fn();
    afterLayout(ran);
    frame();
    await task();
    await task();
    expect(ran).not.toHaveBeenCalled();
    frame();
    // No layout seen: nothing of the page's to take a share of.
    expect(ran).toHaveBeenCalledExactlyOnceWith(0);
  });

  it('without ResizeObserver, runs in the first task after the frame', async () => {
    const { frame } = scriptedFrames();
    vi.stubGlobal('ResizeObserver', undefined);
    const ran = vi.fn();
    afterLayout(ran);
    frame();
    expect(ran).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(ran).toHaveBeenCalledOnce());
  });

  it('in a hidden tab, without frames, runs on a timer', async () => {
    scriptedFrames();
    vi.spyOn(document, 'hidden', 'get').mockReturnValue(true);
    const ran = vi.fn();
    afterLayout(ran);
    await vi.waitFor(() => expect(ran).toHaveBeenCalledOnce(), { timeout: 10_000 });
  });
});
