/**
 * What world-probe.ts reads from a CPU profile of the scanner run in a world of the page: the time
 * of the samples taken in our script (its functions and the browser's functions they call, the
 * wrappers of nodes among them), by part. Pure, so that its test can feed it a made-up profile.
 */
import { type CpuProfile, type Stack, sumSelfTime } from './cpu-profile.ts';

/** The parts of the scanner's work, as the re-render's profile of issue #12 named them. */
export const SCAN_PARTS = ['walk', 'styles', 'text boxes', 'plans', 'buttons', 'other'] as const;
export type ScanPart = (typeof SCAN_PARTS)[number];

/** The browser's functions that make a part whichever of our functions calls them. */
const NATIVE_PARTS: Record<string, ScanPart> = { getComputedStyle: 'styles', getClientRects: 'text boxes', getBoundingClientRect: 'text boxes', checkVisibility: 'text boxes' };

/** Our modules' parts, by file name; the others' (the scanner's own loop, the settings) are `other`. */
const MODULE_PARTS: ReadonlyArray<[RegExp, ScanPart]> = [
  [/scan-queue\.ts$/, 'walk'],
  [/number-geometry\.ts$/, 'text boxes'],
  [/(detection-cache|scan-filter)\.ts$|\/numbers\/|libphonenumber/, 'plans'],
  [/(button-overlay|button-slots|overlay-host|place-map|inline-run|call-button-style|layout-shift)\.ts$/, 'buttons'],
];

/**
 * Which module each line of an unminified esbuild bundle belongs to: esbuild heads each module's
 * code with a `// path` comment. Returns a module's path by 0-based line (a profile's `lineNumber`).
 */
export function bundleModules(bundle: string): (line: number) => string | undefined {
  const starts: Array<[number, string]> = [];
  bundle.split('\n').forEach((text, line) => {
    const path = /^\s*\/\/ (\S+\.[cm]?[jt]sx?)$/.exec(text)?.[1];
    if (path) starts.push([line, path]);
  });
  return (line) => {
    let found: string | undefined;
    for (const [start, path] of starts) {
      if (start > line) break;
      found = path;
    }
    return found;
  };
}

/** A sample's part: the browser's function running, if it names one; else the module of the innermost frame of ours. */
export function partOf(stack: Stack, ourUrl: string, moduleAt: (line: number) => string | undefined): ScanPart {
  const native = NATIVE_PARTS[stack[0].functionName];
  if (native && stack[0].url !== ourUrl) return native;
  const ours = stack.find((frame) => frame.url === ourUrl);
  const module = ours ? moduleAt(ours.lineNumber ?? -1) : undefined;
  return MODULE_PARTS.find(([pattern]) => module !== undefined && pattern.test(module))?.[1] ?? 'other';
}

/** The profile's samples in our script (url `ourUrl`, an unminified bundle), ms by part, and their sum as `all`. */
export function scanParts(profile: CpuProfile, ourUrl: string, bundle: string): Record<ScanPart | 'all', number> {
  const moduleAt = bundleModules(bundle);
  const { byKey, oursUs } = sumSelfTime(profile, { key: (stack) => partOf(stack, ourUrl, moduleAt), ours: (stack) => stack.some((frame) => frame.url === ourUrl) });
  const parts = Object.fromEntries(SCAN_PARTS.map((part) => [part, (byKey.get(part) ?? 0) / 1000])) as Record<ScanPart, number>;
  return { ...parts, all: oursUs / 1000 };
}
