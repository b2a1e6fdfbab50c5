import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getPath, parsePath, PathSyntaxError } from './path.ts';

/** A key a path can name: no dots, no white space, no brackets (any other character goes). */
const key = fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).filter((k) => !/[.\s[\]]/.test(k));

/** One step down a payload: an object key, or an array index with room around it. */
type Step = { kind: 'key'; key: string; siblings: Array<[string, unknown]> } | { kind: 'index'; index: number; length: number; filler: unknown };

const keyStep = fc.record({ key, siblings: fc.array(fc.tuple(key, fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 }) }).map(
  ({ key: k, siblings }): Step => ({ kind: 'key', key: k, siblings: siblings.filter(([s]) => s !== k) }),
);
const indexStep = fc.record({ index: fc.nat(5), extra: fc.nat(3), filler: fc.jsonValue({ maxDepth: 1 }) }).map(
  ({ index, extra, filler }): Step => ({ kind: 'index', index, length: index + 1 + extra, filler }),
);
/** Steps from the payload (always an object, as webhooks and responses are) down to a value. */
const steps = fc.tuple(keyStep, fc.array(fc.oneof(keyStep, indexStep), { maxLength: 5 })).map(([first, rest]) => [first, ...rest]);

/**
 * The payload that holds `leaf` at the end of `path`. Containers whose level is listed in
 * `asJson` are replaced by their JSON text, the way Ozonetel posts `data` as a JSON string.
 */
function build(path: Step[], leaf: unknown, asJson: ReadonlySet<number>): unknown {
  let value = leaf;
  for (let level = path.length - 1; level >= 0; level--) {
    const step = path[level]!;
    // Object.fromEntries makes own properties even of `__proto__`, as JSON.parse does.
    const container =
      step.kind === 'key'
        ? Object.fromEntries([...step.siblings, [step.key, value]])
        : Array.from({ length: step.length }, (_, i) => (i === step.index ? value : step.filler));
    value = level > 0 && asJson.has(level) ? JSON.stringify(container) : container;
  }
  return value;
}

const dotted = (path: Step[]) => path.map((s) => (s.kind === 'key' ? s.key : String(s.index))).join('.');
/** `entries[0].sessionId`: indices written in brackets after the segment before them. */
const bracketed = (path: Step[]) => path.map((s, i) => (s.kind === 'key' ? `${i > 0 ? '.' : ''}${s.key}` : `[${s.index}]`)).join('');

const PATH_SYNTAX = ['.', '..', '[', ']', '[0]', '[12]', '[x]', '0', 'a', 'Data', ' ', '\t', '\u00a0', '-', '_'];

describe('path properties', () => {
  it('getPath finds the value at a dotted path through nested objects and arrays', () => {
    fc.assert(
      fc.property(steps, fc.jsonValue({ maxDepth: 2 }), (path, leaf) => {
        const payload = build(path, leaf, new Set());
        const parsed = parsePath(dotted(path));
        expect(parsed.segments).toEqual(path.map((s) => (s.kind === 'key' ? s.key : String(s.index))));
        expect(getPath(payload, parsed)).toEqual(leaf);
        expect(getPath(payload, parsePath(bracketed(path)))).toEqual(leaf);
      }),
    );
  });

  it('getPath reads through values that are JSON strings of objects or arrays', () => {
    fc.assert(
      fc.property(steps, fc.jsonValue({ maxDepth: 2 }), fc.array(fc.nat(5)), (path, leaf, levels) => {
        const asJson = new Set(levels.filter((l) => l > 0 && l < path.length));
        const payload = build(path, leaf, asJson);
        const expected = asJson.size > 0 ? JSON.parse(JSON.stringify(leaf)) : leaf;
        expect(getPath(payload, parsePath(dotted(path)))).toEqual(expected);
      }),
      { examples: [[[{ kind: 'key', key: 'data', siblings: [] }, { kind: 'key', key: 'Status', siblings: [['Did', '4045']] }], 'Answered', [1]]] },
    );
  });

  it('parsePath throws nothing but PathSyntaxError', () => {
    const source = fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.constantFrom(...PATH_SYNTAX), { maxLength: 12 }).map((t) => t.join('')));
    fc.assert(
      fc.property(source, (text) => {
        try {
          const path = parsePath(text);
          expect(path.segments.every((s) => s.length > 0 && !s.includes('.'))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(PathSyntaxError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
