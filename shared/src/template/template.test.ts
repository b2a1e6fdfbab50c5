import { describe, expect, it } from 'vitest';
import { TemplateSyntaxError } from './ast.ts';
import { checkFilterCall } from './filters.ts';
import { parseTemplate, references } from './parse.ts';
import { MissingValueError, renderOptional, renderTemplate, type TemplateScope } from './render.ts';

const scope = (vars: Record<string, string | undefined> = {}, config: Record<string, string | undefined> = {}): TemplateScope => ({
  vars,
  config,
  defaultCountry: 'US',
  configLabels: { authtoken: 'Auth token' },
});
const render = (source: string, vars?: Record<string, string | undefined>, config?: Record<string, string | undefined>) =>
  renderTemplate(parseTemplate(source), scope(vars, config));

describe('parseTemplate', () => {
  it('splits literal text, @variables and $config.$fields references with their offsets', () => {
    const template = parseTemplate('https://api/$config.$fields.authid/Calls?to=@to_number');
    expect(template.parts).toEqual([
      { kind: 'text', text: 'https://api/' },
      { kind: 'ref', scope: 'config', name: 'authid', filters: [], offset: 12 },
      { kind: 'text', text: '/Calls?to=' },
      { kind: 'ref', scope: 'var', name: 'to_number', filters: [], offset: 44 },
    ]);
  });

  it('keeps @ inside e-mail addresses and @@ as a literal @', () => {
    expect(render('ops@example.com')).toBe('ops@example.com');
    expect(render('@@home')).toBe('@home');
    expect(render('a @ b')).toBe('a @ b');
  });

  it('binds a filter chain to the reference before it, left to right', () => {
    const [ref] = [...references(parseTemplate("@to_number|digits|default:'none'"))];
    expect(ref?.filters.map((f) => f.name)).toEqual(['digits', 'default']);
  });

  it('reads a lone | after a reference as text', () => {
    expect(render('@email| next', { email: 'a@b.c' })).toBe('a@b.c| next');
  });

  it("parses urlappend's object argument with template values", () => {
    const [ref] = [...references(parseTemplate("@answer_callback|urlappend:{'DialTo': '@to_number', \"x\": 'lit'}"))];
    const arg = ref?.filters[0]?.arg;
    expect(arg?.kind).toBe('object');
    expect(arg?.kind === 'object' && arg.entries.map(([k, t]) => [k, t.source])).toEqual([
      ['DialTo', '@to_number'],
      ['x', 'lit'],
    ]);
  });

  it('finds references nested in filter arguments', () => {
    const names = [...references(parseTemplate("@answer_callback|urlappend:{'DialTo': '@to_number'}|default:'@status_callback'"))].map((r) => r.name);
    expect(names).toEqual(['answer_callback', 'to_number', 'status_callback']);
  });

  it.each([
    ['$config.$fields.', '`$config.$fields.` must be followed by a field name', 0],
    ['x $config.authid', 'config fields are written `$config.$fields.NAME`', 2],
    ["@a|default:'open", 'unterminated string', 11],
    ["@a|urlappend:{'k' '@b'}", 'expected `:` after the key', 18],
    ["@a|urlappend:{'k': '@b'", 'unterminated filter object', 13],
    ['@a|urlappend:{k: 1}', 'expected a quoted key', 14],
    ['@a|default:', 'a filter argument is missing', 11],
  ])('rejects %s with a positioned error', (source, message, offset) => {
    let caught: unknown;
    try {
      parseTemplate(source);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TemplateSyntaxError);
    expect((caught as TemplateSyntaxError).message).toContain(message);
    expect((caught as TemplateSyntaxError).offset).toBe(offset);
  });
});

describe('renderTemplate', () => {
  it('substitutes variables and config fields', () => {
    expect(render('$config.$fields.authid:@extension', { extension: '+1415' }, { authid: 'AC1' })).toBe('AC1:+1415');
  });

  it('names the missing variable and says where to set it, never renders an empty string', () => {
    expect(() => render('To=@extension')).toThrow(new MissingValueError('@extension', 'set your phone number in Options > Agent'));
    expect(() => render('@extension', { extension: '' })).toThrow('@extension is empty: set your phone number in Options > Agent');
    expect(() => render('@user_phone_home')).toThrow('@user_phone_home is empty: set the profile field "phone_home" in Options > Agent');
    expect(() => render('@answer_callback')).toThrow('connect a relay in Options > Relay');
  });

  it('names an empty config field by its label', () => {
    expect(() => render('$config.$fields.authtoken')).toThrow('$config.$fields.authtoken is empty: fill in "Auth token" (authtoken) in Options > Provider');
  });

  it('lets default fill a missing value, with a template argument', () => {
    expect(render("@user_campaign|default:'Inbound'")).toBe('Inbound');
    expect(render("$config.$fields.campaign|default:'@user_phone_home'", { user_phone_home: 'Sales' })).toBe('Sales');
    expect(render("@email|default:'x'", { email: 'a@b.c' })).toBe('a@b.c');
  });

  it('lets not turn an unset or empty value into true and any other into nothing (a checkbox left unticked)', () => {
    expect(render('$config.$fields.campaign|not')).toBe('true');
    expect(render('@email|not', { email: '' })).toBe('true');
    expect(render('@email|not', { email: 'a@b.c' })).toBe('');
    expect(render('@email|not|not', { email: 'a@b.c' })).toBe('true');
  });

  it('lets and give its argument when both are set, else nothing, whichever of them is unset (both ticked, or either not)', () => {
    expect(render("@email|and:'@extension'", { email: 'a@b.c', extension: '+14155550100' })).toBe('+14155550100');
    expect(render("@email|and:'@extension'", { email: 'a@b.c' })).toBe('');
    expect(render("@email|and:'@extension'", { email: '', extension: '+14155550100' })).toBe('');
    expect(render("$config.$fields.campaign|and:'@extension'", { extension: '+14155550100' })).toBe('');
    expect(render("@email|and:'@extension'|not", { email: 'a@b.c' })).toBe('true');
    expect(render("@email|and:'@extension'|not", { email: 'a@b.c', extension: '+1' })).toBe('');
    expect(render("@email|and:'@extension'|and:'@user_phone_home'", { email: 'a', extension: 'b', user_phone_home: 'c' })).toBe('c');
    expect(render("@email|and:'@extension'|and:'@user_phone_home'", { email: 'a', user_phone_home: 'c' })).toBe('');
  });
});

describe('optional values', () => {
  it('reads a group with an unset variable inside as unset, so default can stand in for all of it', () => {
    const source = `<Number{{ sendDigits="ww{{@to_extension}}"}}|default:''>@to_number</Number>`;
    expect(render(source, { to_number: '+14155550100', to_extension: '204' })).toBe('<Number sendDigits="ww204">+14155550100</Number>');
    expect(render(source, { to_number: '+14155550100' })).toBe('<Number>+14155550100</Number>');
  });

  it('renders an unset optional value as undefined, a filter argument unset inside it too', () => {
    const optional = (source: string, vars?: Record<string, string | undefined>) => renderOptional(parseTemplate(source), scope(vars));
    expect(optional('@call_direction')).toBeUndefined();
    expect(optional('{{@call_direction}} {{@call_status}}', { call_direction: 'inbound' })).toBeUndefined();
    expect(optional("@call_kind|default:'@call_contact_id'")).toBeUndefined();
    expect(optional("@call_kind|default:'Contacts'")).toBe('Contacts');
  });

  it('builds no error for an unset optional value (several per CRM request: issue 10)', () => {
    // Every MissingValueError is built with the stack trace limit lowered: reading the limit means one was built.
    const limit = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')!;
    let built = 0;
    Object.defineProperty(Error, 'stackTraceLimit', { configurable: true, get: () => (built++, limit.value), set: () => {} });
    try {
      expect(renderOptional(parseTemplate("{{@call_direction}} {{@call_status|default:'unknown'}}"), scope())).toBeUndefined();
      expect(built).toBe(0);
      expect(() => render('@call_direction')).toThrow('@call_direction is empty');
      expect(built).toBe(1);
    } finally {
      Object.defineProperty(Error, 'stackTraceLimit', limit);
    }
  });

  it('still names the unset variable of a group that has no default', () => {
    expect(() => render('ww{{@to_extension}}|digits', {})).toThrow('@to_extension is empty: the number called has no extension');
  });

  it('leaves out a urlappend parameter whose value renders empty', () => {
    const source = `@u|urlappend:{'DialTo': '@n', 'DialExt': "@x|default:''", 'Leg': 'agent'}`;
    expect(render(source, { u: 'https://r/h/answer', n: '+14155550100' })).toBe('https://r/h/answer?DialTo=%2B14155550100&Leg=agent');
    expect(render(source, { u: 'https://r/h/answer', n: '+14155550100', x: '12' })).toBe('https://r/h/answer?DialTo=%2B14155550100&DialExt=12&Leg=agent');
  });
});

describe('filters', () => {
  it.each([
    ["@u|urlappend:{'DialTo': '@n'}", 'https://r/h/answer?DialTo=%2B14155550100'],
    ["@q|urlappend:{'DialTo': '@n'}", 'https://r/h/answer?x=1&DialTo=%2B14155550100'],
    ["@h|urlappend:{'a': 'b c'}", 'https://r/h?a=b%20c#frag'],
    ['@n|urlencode', '%2B14155550100'],
    ['@id|pathsegment', 'v3:a@b%2F..%3Fx%23y%20z'],
    ['@p|digits', '14155550100'],
    ['@p|e164', '+14155550100'],
    ["@in|e164:'IN'", '+919845012345'],
    ['@p|national', '(415) 555-0100'],
    ['@w|lower', 'mixed case'],
    ['@w|upper', 'MIXED CASE'],
    ['@w|base64', 'TWl4ZWQgQ2FzZQ=='],
    ['@uni|base64', 'w6nDqA=='],
    ['@p|digits|e164', '+14155550100'],
  ])('%s -> %s', (source, expected) => {
    expect(
      render(source, {
        u: 'https://r/h/answer',
        q: 'https://r/h/answer?x=1',
        h: 'https://r/h#frag',
        n: '+14155550100',
        p: '+1 (415) 555-0100',
        in: '098450 12345',
        w: 'Mixed Case',
        uni: 'éè',
        id: 'v3:a@b/..?x#y z',
      }),
    ).toBe(expected);
  });

  it('passes values that are not phone numbers through e164 unchanged', () => {
    expect(render('@x|e164', { x: 'client:alice' })).toBe('client:alice');
  });

  it.each([
    ['urlapend', undefined, 'unknown filter `urlapend`'],
    ['digits', { kind: 'string' as const, value: 'x', template: parseTemplate('x') }, 'filter `digits` takes no argument'],
    ['default', undefined, 'filter `default` needs a quoted argument'],
    ['urlappend', { kind: 'string' as const, value: 'x', template: parseTemplate('x') }, 'filter `urlappend` needs an object argument'],
  ])('checkFilterCall rejects %s', (name, arg, message) => {
    expect(checkFilterCall({ name, arg, offset: 0 })?.message).toBe(message);
  });
});

describe('groups and digests', () => {
  it('renders a {{ }} group as one value for its filters, nested groups included', () => {
    expect(render('{{@a/@b}}|upper', { a: 'x', b: 'y' })).toBe('X/Y');
    expect(render('{{{{@a}}|upper/{{@b}}}}|lower', { a: 'x', b: 'Y' })).toBe('x/y');
    expect(render('{{{{@a}}|upper/@b}}', { a: 'x', b: 'y' })).toBe('X/y');
    expect(render('{{@a}}', { a: 'plain' })).toBe('plain');
  });

  it('reads a reference right after another as the next reference, text@word as text', () => {
    expect(render('@a@b', { a: '1', b: '2' })).toBe('12');
    expect(render('ops@b', { b: '2' })).toBe('ops@b');
  });

  it('hashes and signs', () => {
    expect(render('@a|md5', { a: 'abc' })).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(render("@a|hmac_sha256:'key'", { a: 'The quick brown fox jumps over the lazy dog' })).toBe('f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
    expect(render("@a|hmac_sha1:'$config.$fields.k'", { a: 'x' }, { k: 'key' })).toBe(render("@a|hmac_sha1:'key'", { a: 'x' }));
  });

  it('reads a {{ without its }} as text', () => {
    expect(render('a {{@b', { b: '1' })).toBe('a {{1');
  });
});
