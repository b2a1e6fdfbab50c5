import { describe, expect, it } from 'vitest';
import { allocationSplit, inspectorUrlOf, type SamplingNode } from './heap-sampling.ts';

const ROOT = 'file:///repo';
const node = (functionName: string, url: string, selfSize: number, children: SamplingNode[] = []): SamplingNode => ({ callFrame: { functionName, url, lineNumber: 0, columnNumber: 9 }, selfSize, children });

describe('allocationSplit', () => {
  // (root) > attachContacts (relay) > appendEvents (relay store) > stringify (V8, no file) ; and > Socket._writev (node) under runBatch.
  const profile = node('(root)', '', 0, [
    node('attachContacts', `${ROOT}/relay-server/src/crm/identify-caller.ts`, 1000, [
      node('appendEvents', `${ROOT}/relay-server/src/store/sqlite/tables.ts`, 3000, [node('stringify', '', 4000)]),
      node('scopeOf', `${ROOT}/shared/src/crm/session.ts`, 2000),
    ]),
    node('runBatch', `${ROOT}/relay-server/src/store/sqlite/transaction-queue.ts`, 0, [node('Socket._writev', 'node:net', 6000)]),
    node('(garbage collector)', '', 8000),
  ]);
  const split = allocationSplit(profile, 4, (frame) => frame.url.includes('/src/crm/'));

  it('sums the bytes per unit, by the function allocating and by it with its caller', () => {
    expect(split.total).toBe(24_000 / 4);
    expect(split.self.get('appendEvents relay-server/src/store/sqlite/tables.ts:1:10')).toBe(750);
    expect(split.self.get('stringify')).toBe(1000);
    expect(split.chain.get('stringify < appendEvents relay-server/src/store/sqlite/tables.ts:1:10')).toBe(1000);
  });

  it("charges what Node or V8 allocated to the innermost project file that asked, and everything to the outermost one it came through", () => {
    expect(Object.fromEntries(split.innerFile)).toEqual({
      'relay-server/src/crm/identify-caller.ts': 250,
      'relay-server/src/store/sqlite/tables.ts': 1750,
      'shared/src/crm/session.ts': 500,
      'relay-server/src/store/sqlite/transaction-queue.ts': 1500,
      '(no project file on the stack)': 2000,
    });
    expect(Object.fromEntries(split.outerFile)).toEqual({
      'relay-server/src/crm/identify-caller.ts': 2500,
      'relay-server/src/store/sqlite/transaction-queue.ts': 1500,
      '(no project file on the stack)': 2000,
    });
  });

  it('keys the `under` split by the outermost function the caller picks', () => {
    expect(Object.fromEntries(split.under)).toEqual({ 'attachContacts relay-server/src/crm/identify-caller.ts:1:10': 2500, '(none on the stack)': 3500 });
  });
});

describe('inspectorUrlOf', () => {
  it("reads the URL node --inspect=0 printed among a process's lines, or nothing", () => {
    const lines = ['{"msg":"starting"}', 'Debugger listening on ws://127.0.0.1:40123/5f0c2e7a-0b1e-4bde-9c1d-2f4f1c9a7e11', 'For help, see: https://nodejs.org/en/docs/inspector'];
    expect(inspectorUrlOf(lines)).toBe('ws://127.0.0.1:40123/5f0c2e7a-0b1e-4bde-9c1d-2f4f1c9a7e11');
    expect(inspectorUrlOf(['{"msg":"listening"}'])).toBeUndefined();
  });
});
