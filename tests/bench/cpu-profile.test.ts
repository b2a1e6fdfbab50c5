import { describe, expect, it } from 'vitest';
import { type CpuProfile, cpuProfileArgs, largestFirst, selfTimeByArea, selfTimeByFunction, type Stack, sumSelfTime } from './cpu-profile.ts';

const frame = (functionName: string, url = '') => ({ functionName, url });

/** root -> start-up; root -> webhookGuardHandler -> (SQLite, our store, a native write) */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 7, 8] },
    { id: 2, callFrame: frame('compile', 'node:internal/modules/esm/utils') },
    { id: 3, callFrame: frame('webhookGuardHandler', 'file:///repo/relay-server/src/hooks/guard/index.ts'), children: [4, 5, 6] },
    { id: 4, callFrame: frame('sqliteTransaction', 'file:///repo/node_modules/.pnpm/better-sqlite3@12.11.1/node_modules/better-sqlite3/lib/methods/transaction.js') },
    { id: 5, callFrame: frame('insertCall', 'file:///repo/relay-server/src/store/sqlite/store.ts') },
    { id: 6, callFrame: frame('writev') },
    { id: 7, callFrame: frame('(idle)') },
    { id: 8, callFrame: frame('serve', 'file:///repo/node_modules/.pnpm/@hono+node-server@2.1.9/node_modules/@hono/node-server/dist/index.mjs') },
  ],
  // Start-up (2) before the first webhook is left out, and idle (7) is not busy time.
  samples: [2, 2, 4, 4, 4, 5, 7, 7, 6, 3, 8, 4],
  timeDeltas: [500, 500, 10, 10, 10, 10, 400, 400, 20, 10, 10, 20],
};

describe('selfTimeByArea', () => {
  it('sums self time by package, folder of ours or native, from the first sample of the work under test', () => {
    expect(selfTimeByArea(PROFILE, 'webhookGuardHandler')).toEqual([
      { area: 'better-sqlite3', percent: 50 },
      { area: 'writev', percent: 20 },
      { area: 'relay-server/src/store', percent: 10 },
      { area: 'relay-server/src/hooks', percent: 10 },
      { area: '@hono/node-server', percent: 10 },
    ]);
    expect(selfTimeByArea(PROFILE, 'webhookGuardHandler', 2).map((s) => s.area)).toEqual(['better-sqlite3', 'writev']);
  });

  it('says so when the work under test never ran', () => {
    expect(() => selfTimeByArea(PROFILE, 'ingestWebhook')).toThrow('no sample of the profile runs through ingestWebhook');
  });
});

describe('selfTimeByFunction', () => {
  // Sample i is stamped startTime + the deltas up to it: 1500, 2000, 2010, 2020, 2030, 2040, 2440, 2840, 2860, ... µs.
  const timed: CpuProfile = { ...PROFILE, startTime: 1000 };

  it('sums self time by function, file and line within the window, idle left out', () => {
    // From 2010 to 2860: the three SQLite samples, the store's, idle twice (left out), then writev; start-up before, the rest after.
    expect(selfTimeByFunction(timed, { fromUs: 2010, toUs: 2860 })).toEqual([
      { name: 'sqliteTransaction better-sqlite3/transaction.js:0', percent: 50 },
      { name: 'writev', percent: 33.3 },
      { name: 'insertCall relay-server/src/store/sqlite/store.ts:0', percent: 16.7 },
    ]);
  });

  it('says so when the profile has no start time or the window no busy sample', () => {
    expect(() => selfTimeByFunction(PROFILE, { fromUs: 0, toUs: 1e12 })).toThrow('no start time');
    expect(() => selfTimeByFunction(timed, { fromUs: 2400, toUs: 2800 })).toThrow('no busy sample');
  });
});

describe('sumSelfTime', () => {
  const SCRIPT = 'chrome-extension://abc/content-scripts/content.js';
  /** A renderer: our script's calls (a native among them), the page's script calling into ours, the browser's own work. */
  const RENDERER: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 7] },
      { id: 2, callFrame: frame('(program)') },
      { id: 3, callFrame: frame('(idle)') },
      { id: 4, callFrame: frame('onMutations', SCRIPT), children: [5] },
      { id: 5, callFrame: frame('readSlice', SCRIPT), children: [6] },
      { id: 6, callFrame: frame('getClientRects') },
      { id: 7, callFrame: frame('appendRows', 'http://127.0.0.1/crm-list.html'), children: [8, 9] },
      { id: 8, callFrame: frame('appendChild') },
      { id: 9, callFrame: frame('frame', SCRIPT) },
    ],
    samples: [2, 3, 4, 5, 6, 6, 8, 9, 3, 5],
    timeDeltas: [1, 100, 10, 20, 30, 40, 50, 60, 100, 5],
  };
  const runsOurs = (stack: Stack) => stack.some((f) => f.url === SCRIPT);

  it('sums every busy sample under its key, idle left out', () => {
    const whose = sumSelfTime(RENDERER, { key: (stack) => (runsOurs(stack) ? 'ours' : stack.some((f) => f.url.startsWith('http')) ? 'page' : 'other') });
    expect(whose).toEqual({ byKey: new Map([['other', 1], ['ours', 165], ['page', 50]]), busyUs: 216, oursUs: 216 });
  });

  it('sums only the samples that are ours by key; the others count as busy', () => {
    const byFunction = sumSelfTime(RENDERER, { ours: runsOurs, key: ([running]) => running.functionName });
    expect(byFunction).toEqual({ byKey: new Map([['onMutations', 10], ['readSlice', 25], ['getClientRects', 70], ['frame', 60]]), busyUs: 216, oursUs: 165 });
  });

  it('keys a sample by any frame of its stack, callers included', () => {
    const outermost = (stack: Stack) => [...stack].reverse().find((f) => f.url === SCRIPT)?.functionName ?? 'other';
    expect(sumSelfTime(RENDERER, { ours: runsOurs, key: outermost }).byKey).toEqual(new Map([['onMutations', 105], ['frame', 60]]));
  });

  it('counts a sample for the time until the next one when asked (the last one for none)', () => {
    // Sample i weighs timeDeltas[i + 1]: (program) 100, onMutations 20, readSlice 30 and 0, getClientRects 40 + 50, appendChild 60, frame 100.
    const untilNext = sumSelfTime(RENDERER, { untilNextSample: true, ours: runsOurs, key: ([running]) => running.functionName });
    expect(untilNext).toEqual({ byKey: new Map([['onMutations', 20], ['readSlice', 30], ['getClientRects', 90], ['frame', 100]]), busyUs: 400, oursUs: 240 });
  });

  it('leaves out a sample of a node the profile does not list', () => {
    const lost: CpuProfile = { ...RENDERER, samples: [...RENDERER.samples.slice(0, -1), 99] };
    expect(sumSelfTime(lost, { key: ([running]) => running.functionName }).busyUs).toBe(211);
  });

  it('starts at the first sample that runs through `from`, and keeps to the window', () => {
    expect(sumSelfTime(RENDERER, { from: 'appendRows', key: ([running]) => running.functionName }).byKey).toEqual(new Map([['appendChild', 50], ['frame', 60], ['readSlice', 5]]));
    // Stamps from 1000: 1001, 1101, 1111, 1131, 1161, 1201, 1251, 1311, 1411, 1416.
    const timed = { ...RENDERER, startTime: 1000 };
    expect(sumSelfTime(timed, { window: { fromUs: 1131, toUs: 1251 }, key: ([running]) => running.functionName }).byKey).toEqual(new Map([['readSlice', 20], ['getClientRects', 70], ['appendChild', 50]]));
    expect(() => sumSelfTime(RENDERER, { window: { fromUs: 0, toUs: 1 }, key: () => '' })).toThrow('no start time');
  });
});

describe('largestFirst', () => {
  it('keeps the largest entries, largest first', () => {
    expect(largestFirst(new Map([['a', 1], ['b', 3], ['c', 2]]), 2)).toEqual([['b', 3], ['c', 2]]);
  });
});

describe('cpuProfileArgs', () => {
  it("writes the profile into the directory at V8's own interval unless one is asked", () => {
    expect(cpuProfileArgs('/tmp/profiles')).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/profiles']);
  });

  it('samples at the interval asked, in microseconds', () => {
    expect(cpuProfileArgs('/tmp/profiles', 100)).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/profiles', '--cpu-prof-interval=100']);
  });
});
