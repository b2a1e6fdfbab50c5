import { describe, expect, it } from 'vitest';
import type { CallFrame, CpuProfile } from './cpu-profile.ts';
import { bundleModules, partOf, scanParts } from './world-figures.ts';

const URL = 'probe.js';
const BUNDLE = ['(() => {', '  // extension/src/content/scan/scan-queue.ts', '  function step() {}', '  // extension/src/content/scan/button-overlay.ts', '  function make() {}', '})();'].join('\n');
const ours = (functionName: string, lineNumber: number): CallFrame => ({ functionName, url: URL, lineNumber });
const native = (functionName: string): CallFrame => ({ functionName, url: '' });

describe('bundleModules', () => {
  it('names the module of each line after its heading comment, none before the first', () => {
    const moduleAt = bundleModules(BUNDLE);
    expect(moduleAt(0)).toBeUndefined();
    expect(moduleAt(2)).toBe('extension/src/content/scan/scan-queue.ts');
    expect(moduleAt(4)).toBe('extension/src/content/scan/button-overlay.ts');
  });
});

describe('partOf', () => {
  const moduleAt = bundleModules(BUNDLE);
  it('counts a browser function that names a part under that part, whoever called it', () => {
    expect(partOf([native('getComputedStyle'), ours('make', 4)], URL, moduleAt)).toBe('styles');
    expect(partOf([native('getClientRects'), ours('step', 2)], URL, moduleAt)).toBe('text boxes');
  });
  it('counts other browser functions (a node wrapper made in nextNode) under the module of our innermost caller', () => {
    expect(partOf([native('nextNode'), ours('step', 2), ours('make', 4)], URL, moduleAt)).toBe('walk');
    expect(partOf([native('createElement'), ours('make', 4)], URL, moduleAt)).toBe('buttons');
  });
  it('counts code of a module no part claims as other', () => {
    expect(partOf([ours('start', 0)], URL, moduleAt)).toBe('other');
  });
});

describe('scanParts', () => {
  it('sums the samples in our script by part, in ms, leaving out the page\'s and idle samples', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: native('(root)'), children: [2, 4, 5] },
        { id: 2, callFrame: ours('step', 2), children: [3] },
        { id: 3, callFrame: native('nextNode') },
        { id: 4, callFrame: { functionName: 'fill', url: 'crm-list.js' } },
        { id: 5, callFrame: native('(idle)') },
      ],
      samples: [3, 2, 4, 5, 3],
      timeDeltas: [0, 1000, 2000, 4000, 500],
    };
    const parts = scanParts(profile, URL, BUNDLE);
    expect(parts.walk).toBe(1.5);
    expect(parts.all).toBe(1.5);
    expect(parts.buttons).toBe(0);
  });
});
