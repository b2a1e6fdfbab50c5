import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runConnectorCli } from '../cli/connector.ts';
import { checkConnector } from '../src/connector/compile.ts';
import type { Diagnostic } from '../src/connector/diagnostics.ts';
import { BUNDLED_CONNECTORS, damagedConnector } from './connector-damage.ts';

/**
 * Thousands of damaged bundled connectors through the engine's validator and the CLI: nothing
 * may throw, and every problem is a diagnostic at a line and column inside the file. Seeded, so
 * a failure replays; bounded in count, so it stays quick on a busy machine.
 */
const SEED = 15;

/** Whether a diagnostic points at a character of the file's lines (or just after a line's end). */
function insideFile(d: Diagnostic, lines: string[]): boolean {
  return Number.isInteger(d.line) && Number.isInteger(d.col) && d.line >= 1 && d.line <= lines.length && d.col >= 1 && d.col <= lines[d.line - 1]!.length + 1;
}

describe('damaged connectors', () => {
  it('checkConnector never throws and reports every failure at a line:col inside the file', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(damagedConnector, ({ file, source }) => {
        const result = checkConnector(source, { file });
        expect(result.plan !== undefined || result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
        const lines = source.split('\n');
        const misplaced = result.diagnostics.filter((d) => d.file !== file || !d.message || !insideFile(d, lines));
        expect(misplaced).toEqual([]);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('the CLI validates them in-process with exit 0 or 1 and file:line:col lines', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(damagedConnector, ({ source }) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = runConnectorCli(['validate', 'damaged.xml'], { out: (l) => out.push(l), err: (l) => err.push(l), readFile: () => source });
        if (code === 0) {
          expect(err).toEqual([]);
          expect(out.at(-1)).toMatch(/^damaged\.xml: ok/);
        } else {
          expect(code).toBe(1);
          expect(err.length).toBeGreaterThan(0);
          for (const line of err) expect(line).toMatch(/^damaged\.xml:[1-9]\d*:[1-9]\d*: error: /);
        }
      }),
      { seed: SEED + 1, numRuns: 500 },
    );
  });

  // The relay takes custom XML up to 256 KiB. A search or a pass per occurrence made these take
  // from 30 s to several minutes, blocking the relay; each takes well under a second now.
  it.each([
    ['unclosed groups', (n: number) => `<parameter name="To">${'{{'.repeat(n / 2)}</parameter>`],
    ['references', (n: number) => `<parameter name="To">${'@to_number'.repeat(n / 10)}</parameter>`],
    ['groups', (n: number) => `<parameter name="To">${'{{@to_number}}'.repeat(n / 14)}</parameter>`],
    ['entities before references', (n: number) => `<parameter name="To">${'&amp;@to_number'.repeat(n / 15)}</parameter>`],
    ['attributes', (n: number) => `<parameter name="To" ${Array.from({ length: n / 10 }, (_, i) => `a${i.toString(36).padStart(4, '0')}="1"`).join(' ')}/>`],
    ['tags left open', (n: number) => '<parameter>'.repeat(n / 11)],
  ])('checks 256 KiB of repeated %s in linear time', { timeout: 60_000 }, (_name, repeated) => {
    const twilio = BUNDLED_CONNECTORS.find((c) => c.file === 'connectors/twilio.xml')!.source;
    const source = twilio.replace('<parameters>', `<parameters>${repeated(250_000)}`);
    expect(source.length).toBeGreaterThan(250_000);
    const result = checkConnector(source);
    expect(result.plan !== undefined || result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });

  it('the phone-connector bin reports an XML declaration with mismatched quotes and runaway nesting, and exits 1', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-cli-'));
    try {
      const declaration = join(dir, 'declaration.xml');
      const nested = join(dir, 'nested.xml');
      writeFileSync(declaration, `<?xml version='1.0"?>\n<connector for="PhoneCalls"/>\n`);
      writeFileSync(nested, `<connector for="PhoneCalls">\n  <incoming_call>${'<a>'.repeat(150)}${'</a>'.repeat(150)}</incoming_call>\n</connector>\n`);
      const result = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'cli', 'bin.mjs'), 'validate', declaration, nested], { encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        `${declaration}:1:1: error: the quotes in <?xml …?> do not pair up (at (document)) — close each value with the quote that opened it: version="1.0"`,
        `${nested}:2:${18 + 30 * 3}: error: elements nest deeper than 32 levels (at ${['connector', 'incoming_call', ...Array<string>(31).fill('a')].join('/')}) — connectors need about ten; look for tags that were never closed`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
