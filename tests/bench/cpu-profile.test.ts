import { describe, expect, it } from 'vitest';
import { type CpuProfile, selfTimeByArea, selfTimeByFunction } from './cpu-profile.ts';

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
