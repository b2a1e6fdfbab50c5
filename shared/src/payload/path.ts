import { jsonTooDeepAt } from './nesting.ts';

/**
 * Dotted paths into webhook and response payloads: `data.Status`, `entries.0.sessionId`,
 * `Call.Sid`. `entries[0]` is read as `entries.0` and `Legs[0][Status]` as `Legs.0.Status`;
 * `parent_call_id|call_id` takes the first of the alternatives that has a value (a child leg's
 * events belong to its parent call).
 */
export interface PayloadPath {
  source: string;
  segments: string[];
  /**
   * A path written with brackets, as a form names a field of a nested structure
   * (`Legs[0][Status]=…`, PHP's and Rails' way, Exotel's multipart callbacks): that field's
   * name, read first at the top of the payload. A JSON payload's `Legs` array reads the same.
   */
  formKey?: string;
  /** `a|b`: further paths tried, in order, when the value at `segments` is missing or empty. */
  fallbacks?: PayloadPath[];
}

export class PathSyntaxError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'PathSyntaxError';
  }
}

export function parsePath(source: string): PayloadPath {
  if (source.includes('|')) {
    const [first, ...rest] = source.split('|').map((alternative) => parsePath(alternative));
    return { ...first!, source: source.trim(), fallbacks: rest };
  }
  const trimmed = source.trim();
  if (!trimmed) throw new PathSyntaxError('the path is empty', 'name a field of the payload, e.g. `CallSid` or `data.Status`');
  if (/\s/.test(trimmed)) throw new PathSyntaxError(`the path \`${trimmed}\` contains white space`);
  const normalised = trimmed.replace(/\[([^[\].]+)\]/g, '.$1');
  if (/[[\]]/.test(normalised)) throw new PathSyntaxError(`the path \`${trimmed}\` has a bracket that is not an index like [0] or a field name like [Status]`);
  const segments = normalised.split('.');
  if (segments.some((s) => s === '')) {
    throw new PathSyntaxError(`the path \`${trimmed}\` has an empty segment`, 'segments are separated by single dots: `data.Status`');
  }
  return normalised === trimmed ? { source: trimmed, segments } : { source: trimmed, segments, formKey: trimmed };
}

/**
 * The value at a path. At each level an exact key that itself contains dots wins over
 * splitting (`{"a.b": 1}` answers `a.b`); then an exact key, then a key that differs only
 * in case (Twilio's JSON says `to` where the seed maps `To`). A string that holds JSON is
 * parsed when the path continues into it (Ozonetel posts `data` as a JSON string).
 */
export function getPath(payload: unknown, path: PayloadPath): unknown {
  let value = valueOf(payload, path);
  for (const fallback of path.fallbacks ?? []) {
    if (value !== undefined && value !== null && value !== '') break;
    value = valueOf(payload, fallback);
  }
  return value;
}

function valueOf(payload: unknown, path: PayloadPath): unknown {
  if (path.formKey !== undefined && payload !== null && typeof payload === 'object' && hasOwn(payload, path.formKey)) return (payload as Record<string, unknown>)[path.formKey];
  return walk(payload, path.segments, 0);
}

function walk(value: unknown, segments: string[], index: number): unknown {
  if (index === segments.length) return value;
  const container = asContainer(value);
  if (container === undefined) return undefined;
  for (let end = segments.length; end > index + 1; end--) {
    const joined = segments.slice(index, end).join('.');
    if (hasOwn(container, joined)) return walk((container as Record<string, unknown>)[joined], segments, end);
  }
  const key = segments[index]!;
  if (Array.isArray(container)) {
    return /^\d+$/.test(key) ? walk(container[Number(key)], segments, index + 1) : undefined;
  }
  if (hasOwn(container, key)) return walk(container[key], segments, index + 1);
  const caseless = caselessKey(container, key.toLowerCase());
  return caseless === undefined ? undefined : walk(container[caseless], segments, index + 1);
}

/**
 * Each object's keys by their lower case, the first of those that differ only in case, made on
 * the first path that misses in it: a Twilio status callback's paths miss four times in its ~20
 * fields (`ParentCallSid|CallSid`, `DialCallStatus|CallStatus` twice, `DialCallDuration|…`),
 * each miss lower-casing every key again (issue 13's webhook path). Payloads are read, never
 * changed, once parsed.
 */
const caselessKeys = new WeakMap<object, Map<string, string>>();

function caselessKey(container: Record<string, unknown>, lower: string): string | undefined {
  let keys = caselessKeys.get(container);
  if (!keys) {
    keys = new Map();
    for (const k of Object.keys(container)) {
      const folded = k.toLowerCase();
      if (!keys.has(folded)) keys.set(folded, k);
    }
    caselessKeys.set(container, keys);
  }
  return keys.get(lower);
}

function asContainer(value: unknown): Record<string, unknown> | unknown[] | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    // Too deep to be a provider's field: read as text, like a string that is not JSON at all.
    if ((!trimmed.startsWith('{') && !trimmed.startsWith('[')) || jsonTooDeepAt(trimmed) !== undefined) return undefined;
    try {
      return asContainer(JSON.parse(trimmed));
    } catch {
      return undefined;
    }
  }
  if (value !== null && typeof value === 'object') return value as Record<string, unknown> | unknown[];
  return undefined;
}

function hasOwn(container: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(container, key);
}
