import type { MappingPlan, PayloadCondition } from '../connector/plan.ts';
import { getPath, type PayloadPath } from '../payload/path.ts';
import { isKnownWord, normaliseTime } from '../record/call-record.ts';
import { renderOptional, type TemplateScope } from '../template/render.ts';

/**
 * Runs a `response` block over a payload: each field takes the value at its path, or its
 * default (a template) when the path is missing or empty. Unset fields are left out.
 */
export function applyMapping(mapping: MappingPlan, payload: unknown, scope: TemplateScope): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of mapping.fields) {
    // Mapped already: by a mapping of it with a condition that held (compileMapping).
    if (values[field.field] !== undefined) continue;
    if ((field.when || field.unless) && !conditionHolds(field, payload)) continue;
    const found = field.use ? (field.since ? secondsBetween(payload, field.since, field.use) : stringify(getPath(payload, field.use))) : undefined;
    const translated = found !== undefined && field.map ? (field.map[found.trim().toLowerCase()] ?? found) : found;
    const mapped = field.unknown !== undefined && translated !== undefined && translated !== '' && !isKnownWord(field.field as 'call_status' | 'direction', translated) ? field.unknown : translated;
    const value = mapped !== undefined && mapped !== '' ? mapped : field.default ? renderOptional(field.default, scope) : undefined;
    if (value !== undefined && value !== '') values[field.field] = value;
    // The provider's own word stays the raw status, whatever the map made of it.
    if (field.field === 'call_status' && mapped !== found && found) values.call_status_raw = found;
  }
  return values;
}

/** `since`: the whole seconds from the time at `from` to the time at `to`; undefined when either is unreadable, or the span runs backwards. */
function secondsBetween(payload: unknown, from: PayloadPath, to: PayloadPath): string | undefined {
  const at = (path: PayloadPath) => {
    const text = stringify(getPath(payload, path));
    const iso = text === undefined ? undefined : normaliseTime(text);
    return iso === undefined ? Number.NaN : Date.parse(iso);
  };
  const seconds = Math.round((at(to) - at(from)) / 1000);
  return Number.isFinite(seconds) && seconds >= 0 ? String(seconds) : undefined;
}

/** Whether a status block's or a field's condition (`when`, `is`, `not`, `unless`) holds for this payload. */
export function conditionHolds(condition: PayloadCondition, payload: unknown): boolean {
  if (condition.when) {
    const value = valueAt(payload, condition.when);
    if (value === undefined || (condition.whenIs && !condition.whenIs.includes(value)) || condition.whenNot?.includes(value)) return false;
  }
  return !condition.unless || valueAt(payload, condition.unless) === undefined;
}

/** A path's value, trimmed and lower-cased; undefined when absent, null or blank. */
function valueAt(payload: unknown, path: PayloadPath): string | undefined {
  return stringify(getPath(payload, path))?.trim().toLowerCase() || undefined;
}

function stringify(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}
