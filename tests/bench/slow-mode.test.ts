import { describe, expect, it } from 'vitest';
import { compareModes, type ProfiledRun, selfOnCpu } from './slow-mode.ts';

const run = (withOverWithout: number, cpuUs: number, self: Record<string, number>): ProfiledRun => ({ withOverWithout, cpuUs, busyUs: 2 * cpuUs, selfUs: new Map(Object.entries(self)) });

describe('compareModes', () => {
  it('sets the slow runs median self time by function against the fast runs, the largest growth first', () => {
    const runs = [
      run(0.97, 160, { writev: 40, insertCall: 20 }),
      run(1.02, 170, { writev: 44, insertCall: 22 }),
      run(1.04, 165, { writev: 42, insertCall: 21, deliver: 2 }),
      // Between the modes: counted in neither.
      run(1.18, 500, { writev: 400 }),
      run(1.3, 210, { writev: 46, insertCall: 40, deliver: 14 }),
      run(1.5, 230, { writev: 48, insertCall: 50 }),
    ];
    expect(compareModes(runs)).toEqual({
      slowRuns: 2,
      fastRuns: 3,
      cpuUs: { fast: 165, slow: 220 },
      rows: [
        { name: 'insertCall', fast: 21, slow: 45 },
        // A function a run never sampled counts 0 there: the slow runs' median of 14 and 0.
        { name: 'deliver', fast: 0, slow: 7 },
        { name: 'writev', fast: 42, slow: 47 },
      ],
    });
  });

  it('says nothing until there is a run of each mode', () => {
    expect(compareModes([run(1.0, 160, { writev: 40 }), run(1.2, 190, { writev: 50 })])).toBeUndefined();
    expect(compareModes([run(1.4, 160, { writev: 40 })])).toBeUndefined();
  });
});

describe('selfOnCpu', () => {
  it("scales a run's self times to its time on a core, each function keeping its share", () => {
    // 500 µs busy in the profile (wall time, the run queue's waits in it), 200 on a core.
    expect(selfOnCpu(new Map([['writev', 250], ['insertCall', 100]]), 500, 200)).toEqual(new Map([['writev', 100], ['insertCall', 40]]));
  });
});
