import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TemplateSyntaxError } from './ast.ts';
import { parseTemplate } from './parse.ts';
import { renderTemplate, type TemplateScope } from './render.ts';

const scope = (vars: Record<string, string>, config: Record<string, string> = {}): TemplateScope => ({ vars, config });

/** One UTF-16 code unit, so lone surrogates and control characters show up too. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Fragments that mean something to the template grammar, so generated strings hit it often. */
const SYNTAX = ['@', '@@', '$', '$config', '$config.$fields.', '|', ':', "'", '"', '\\', '{', '}', ',', ' ', 'a', 'x_1', 'default', 'urlappend', 'digits'];
const syntaxToken = fc.constantFrom(...SYNTAX);

/** Any string, leaning towards the characters templates, URLs and XML care about. */
const anyText = fc.string({
  unit: fc.oneof(
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 },
    { arbitrary: codeUnit, weight: 1 },
    { arbitrary: fc.constantFrom('|', "'", '"', '{', '}', '<', '>', '&', '@x', '$config.$fields.a', '%', '+', '=', '#', '?', '\u00e9', '\u{1f4de}'), weight: 2 },
  ),
});

/** A well-formed string: every surrogate is half of a pair (what URLs and JSON can carry exactly). */
const isWellFormed = (text: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

const variableName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);

/** Quotes text for a filter argument: the quote and the backslash are escaped with a backslash. */
const quoted = (text: string) => `'${text.replace(/[\\']/g, '\\$&')}'`;

describe('template properties', () => {
  it('reads any text without @ or $ as one literal that renders to itself', () => {
    fc.assert(
      fc.property(anyText.filter((t) => t.length > 0 && !/[@$]|\{\{/.test(t)), (text) => {
        const template = parseTemplate(text);
        expect(template.parts).toEqual([{ kind: 'text', text }]);
        expect(renderTemplate(template, scope({}))).toBe(text);
      }),
    );
  });

  it('renders a reference to a variable or config field as exactly its value, whatever the value holds', () => {
    fc.assert(
      fc.property(variableName, anyText.filter((v) => v.length > 0), (name, value) => {
        expect(renderTemplate(parseTemplate(`@${name}`), scope({ [name]: value }))).toBe(value);
        expect(renderTemplate(parseTemplate(`$config.$fields.${name}`), scope({}, { [name]: value }))).toBe(value);
      }),
    );
  });

  it('renders a reference inside literal text as the text around the value', () => {
    const prefix = anyText.filter((t) => !/[@$]|\{\{/.test(t) && !/[A-Za-z0-9._%+-]$/.test(t));
    const suffix = anyText.filter((t) => !/[@$]|\{\{/.test(t) && !/^[A-Za-z0-9_|]/.test(t));
    fc.assert(
      fc.property(prefix, variableName, anyText.filter((v) => v.length > 0), suffix, (before, name, value, after) => {
        expect(renderTemplate(parseTemplate(`${before}@${name}${after}`), scope({ [name]: value }))).toBe(`${before}${value}${after}`);
      }),
    );
  });

  it('urlappend adds the key=value pair after the URL\'s own query parameters, for any key and value', () => {
    const base = fc.webUrl({ withQueryParameters: true, withFragments: true });
    const text = anyText.filter((t) => t.length > 0 && isWellFormed(t));
    fc.assert(
      fc.property(base, text, text, (url, key, value) => {
        const template = parseTemplate(`@answer_callback|urlappend:{${quoted(key)}: '@value'}`);
        const out = new URL(renderTemplate(template, scope({ answer_callback: url, value })));
        const original = new URL(url);
        expect(out.searchParams.getAll(key).at(-1)).toBe(value);
        expect([...out.searchParams]).toEqual([...original.searchParams, [key, value]]);
        expect(`${out.origin}${out.pathname}${out.hash}`).toBe(`${original.origin}${original.pathname}${original.hash}`);
      }),
      // A query whose last value ends in `?` is not an empty query: the pair must not glue onto it.
      { examples: [['https://relay.example/hooks/answer?next=/menu?', 'DialTo', '+14155550100']] },
    );
  });

  it('urlappend takes a literal value (a template with @ written @@) as is', () => {
    const base = fc.constantFrom('https://relay.example/hooks/answer', 'https://relay.example/hooks/answer?Leg=1', 'https://api1.cloudagent.in/CAServices/AgentManualDial.php?');
    const key = anyText.filter((t) => t.length > 0 && isWellFormed(t));
    const value = anyText.filter((t) => t.length > 0 && isWellFormed(t) && !t.includes('$config') && !t.includes('{{'));
    fc.assert(
      fc.property(base, key, value, (url, k, v) => {
        const template = parseTemplate(`@answer_callback|urlappend:{${quoted(k)}: ${quoted(v.replace(/@/g, '@@'))}}`);
        const out = new URL(renderTemplate(template, scope({ answer_callback: url })));
        expect(out.searchParams.getAll(k).at(-1)).toBe(v);
      }),
    );
  });

  // A provider's webhook can carry any string (JSON allows lone surrogates), and replies
  // build URLs from it; rendering must not fail with an error the relay does not expect.
  it('urlappend and urlencode render any value string without throwing', () => {
    fc.assert(
      fc.property(anyText.filter((v) => v.length > 0), (value) => {
        const vars = { answer_callback: 'https://relay.example/hooks/answer', value };
        expect(() => renderTemplate(parseTemplate("@answer_callback|urlappend:{'Name': '@value'}"), scope(vars))).not.toThrow();
        expect(() => renderTemplate(parseTemplate('@value|urlencode'), scope(vars))).not.toThrow();
      }),
      { examples: [['caller \uD800']] },
    );
  });

  it('parseTemplate throws nothing but TemplateSyntaxError, with an offset inside the source', () => {
    const source = fc.oneof(anyText, fc.array(syntaxToken, { maxLength: 24 }).map((tokens) => tokens.join('')));
    fc.assert(
      fc.property(source, (text) => {
        try {
          parseTemplate(text);
        } catch (error) {
          expect(error).toBeInstanceOf(TemplateSyntaxError);
          const offset = (error as TemplateSyntaxError).offset;
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
