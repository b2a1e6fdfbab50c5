/**
 * Random damage to the bundled connectors, for the fuzz tests of everything that reads
 * connector XML (the engine, the CLI, the relay's instance API). Each damage is plain data,
 * so fast-check can replay a run from its seed and shrink a failure to the smallest damage
 * that shows it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

const CONNECTORS_DIR = join(import.meta.dirname, '..', '..', 'connectors');

export const BUNDLED_CONNECTORS: ReadonlyArray<{ file: string; source: string }> = readdirSync(CONNECTORS_DIR)
  .filter((name) => name.endsWith('.xml'))
  .sort()
  .map((name) => ({ file: `connectors/${name}`, source: readFileSync(join(CONNECTORS_DIR, name), 'utf8') }));

/** The bundled CRM connectors (connectors/crm/). */
export const BUNDLED_CRM_CONNECTORS: ReadonlyArray<{ file: string; source: string }> = readdirSync(join(CONNECTORS_DIR, 'crm'))
  .filter((name) => name.endsWith('.xml'))
  .sort()
  .map((name) => ({ file: `connectors/crm/${name}`, source: readFileSync(join(CONNECTORS_DIR, 'crm', name), 'utf8') }));

/** Markup and template syntax pasted into a connector: each one found a crash once, or nearly. */
const SNIPPETS = [
  '<', '>', '/>', '</', '"', "'", '=', '&', '&amp;', '&#0;', '&#x110000;', '&bogus;', '<?', '?>', `<?xml version='1.0"?>`,
  '<!--', '-->', '<![CDATA[', ']]>', '<!', '<!DOCTYPE x>', '<__proto__/>', ' constructor="x"', '"prototype', '{{', '}}',
  '@', '@x|', '$config.$fields.', "|default:'", '\u0000', '\uffff', '\ud800', '\r', '\n', '\t',
];
const TAG_NAMES = ['a', 'parameter', 'response', 'x:y', 'connector'];

type Damage =
  | { kind: 'delete' | 'duplicate' | 'swap-quotes'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'replace-char'; at: number; char: string }
  | { kind: 'paste'; at: number; text: string }
  | { kind: 'nest-elements' | 'open-elements'; at: number; length: number; name: string; depth: number }
  | { kind: 'nest-groups'; at: number; length: number; depth: number };

const at = fc.nat({ max: 12_000 });
const length = fc.nat({ max: 200 });
const depth = fc.integer({ min: 1, max: 300 });
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const, 'swap-quotes' as const), at, length }),
  fc.record({ kind: fc.constant('truncate' as const), at }),
  fc.record({ kind: fc.constant('replace-char' as const), at, char: fc.oneof(fc.constantFrom('<', '>', '/', '"', "'", '=', '&', '?', '!', '-', ']', '{', '}', '@', '|'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) }),
  fc.record({ kind: fc.constant('paste' as const), at, text: fc.constantFrom(...SNIPPETS) }),
  fc.record({ kind: fc.constantFrom('nest-elements' as const, 'open-elements' as const), at, length, name: fc.constantFrom(...TAG_NAMES), depth }),
  fc.record({ kind: fc.constant('nest-groups' as const), at, length, depth }),
);

function apply(source: string, d: Damage): string {
  const start = d.at % (source.length + 1);
  const end = 'length' in d ? Math.min(source.length, start + d.length) : start;
  const before = source.slice(0, start);
  const part = source.slice(start, end);
  const after = source.slice(end);
  switch (d.kind) {
    case 'delete':
      return before + after;
    case 'duplicate':
      return before + part + part + after;
    case 'swap-quotes':
      return before + part.replace(/["']/g, (q) => (q === '"' ? "'" : '"')) + after;
    case 'truncate':
      return before;
    case 'replace-char':
      return before + d.char + source.slice(start + 1);
    case 'paste':
      return before + d.text + source.slice(start);
    case 'nest-elements':
      return before + `<${d.name}>`.repeat(d.depth) + part + `</${d.name}>`.repeat(d.depth) + after;
    case 'open-elements':
      return before + `<${d.name}>`.repeat(d.depth) + part + after;
    case 'nest-groups':
      return before + '{{'.repeat(d.depth) + part + '}}'.repeat(d.depth) + after;
  }
}

/** A bundled connector with one to four damages applied in turn. */
export const damagedConnector: fc.Arbitrary<{ file: string; source: string }> = fc
  .record({ connector: fc.constantFrom(...BUNDLED_CONNECTORS), damages: fc.array(damage, { minLength: 1, maxLength: 4 }) })
  .map(({ connector, damages }) => ({ file: connector.file, source: damages.reduce(apply, connector.source) }));

/** A bundled CRM connector with one to four damages applied in turn. */
export const damagedCrmConnector: fc.Arbitrary<{ file: string; source: string }> = fc
  .record({ connector: fc.constantFrom(...BUNDLED_CRM_CONNECTORS), damages: fc.array(damage, { minLength: 1, maxLength: 4 }) })
  .map(({ connector, damages }) => ({ file: connector.file, source: damages.reduce(apply, connector.source) }));
