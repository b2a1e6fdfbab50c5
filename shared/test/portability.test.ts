import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The engine runs in the extension's MV3 service worker as well as in Node: bundling it for
// the browser must succeed with no Node built-in reachable from its entry point.
describe('engine portability', () => {
  // A whole bundle of the engine: seconds on a busy machine.
  it('bundles for the browser without any Node built-in', { timeout: 60_000 }, async () => {
    const result = await build({
      entryPoints: [join(import.meta.dirname, '..', 'src', 'index.ts')],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes('fast-xml-parser'))).toBe(true);
    expect(inputs.filter((path) => /^node:|^(fs|path|crypto|buffer|stream|util)$/.test(path))).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/require\(["'](node:)?(fs|crypto|buffer)["']\)/);
  });
});
