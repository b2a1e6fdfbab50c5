import type { Reference, Template } from './ast.ts';
import { FILTERS, type FilterContext } from './filters.ts';
import { CALLBACK_URL_VARIABLES } from '../connector/plan.ts';

/** The values a template can see while it renders. */
export interface TemplateScope {
  config: Readonly<Record<string, string | undefined>>;
  vars: Readonly<Record<string, string | undefined>>;
  defaultCountry?: string;
  /** Labels of config fields, used in "is empty" messages. */
  configLabels?: Readonly<Record<string, string>>;
  /** A batched CRM search's numbers, each as its own scope, by `<batch>` name: what a `<parameter each>` renders its items with. */
  batches?: Readonly<Record<string, readonly TemplateScope[]>>;
}

/** A template needed a value nobody set. The message says which, and how to set it. */
export class MissingValueError extends Error {
  constructor(
    readonly reference: string,
    readonly hint: string,
  ) {
    super(`${reference} is empty: ${hint}`);
    this.name = 'MissingValueError';
  }
}

export function renderTemplate(template: Template, scope: TemplateScope): string {
  const out = renderParts(template, scope);
  if (typeof out !== 'string') throw missing(out, scope);
  return out;
}

/** Like renderTemplate, but a template that is one bare reference to an unset value yields undefined. */
export function renderOptional(template: Template, scope: TemplateScope): string | undefined {
  try {
    const out = renderParts(template, scope);
    return typeof out === 'string' ? out : undefined;
  } catch (error) {
    // A filter's argument rendered unset (`|default:'{{@x}}'` with @x unset).
    if (error instanceof MissingValueError) return undefined;
    throw error;
  }
}

/**
 * The rendered text, or the reference that had no value and nothing to stand in for it. An unset
 * value is told, not thrown: optional values (`|default:`, optional parameters, a CRM connector's
 * maps) meet several per CRM request, and building and catching an error for each was the engine's
 * largest cost per request in the relay's profile (docs/benchmarks.md, "Relay with a CRM").
 */
function renderParts(template: Template, scope: TemplateScope): string | Reference {
  let out = '';
  for (const part of template.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = renderReference(part, scope);
    if (typeof value !== 'string') return value;
    out += value;
  }
  return out;
}

function renderReference(ref: Reference, scope: TemplateScope): string | Reference {
  let value: string | undefined;
  // A group with an unset variable inside is itself unset, so `default` can stand in for the
  // whole of it (`{{ sendDigits="ww{{@to_extension}}"}}|default:''`); without one, the error
  // names the variable.
  let unset: Reference | undefined;
  if (ref.scope === 'group') {
    const inner = renderParts(ref.template!, scope);
    if (typeof inner === 'string') value = inner;
    else unset = inner;
  } else {
    value = ref.scope === 'config' ? scope.config[ref.name] : scope.vars[ref.name];
    if (value === '') value = undefined;
  }
  if (ref.filters.length) {
    const context = filterContext(scope);
    for (const filter of ref.filters) value = FILTERS[filter.name]!.apply(value, filter.arg, context);
  }
  return value === undefined ? (unset ?? ref) : value;
}

/**
 * A scope's filter context: one object, its `renderNested` a method rather than a closure, which
 * with its wrapper made three objects per scope a CRM lookup builds (issue 10: one per number and
 * per candidate).
 */
class ScopeFilterContext implements FilterContext {
  readonly defaultCountry: string | undefined;

  constructor(readonly scope: TemplateScope) {
    this.defaultCountry = scope.defaultCountry;
  }

  renderNested(template: Template): string {
    return renderTemplate(template, this.scope);
  }

  renderNestedOptional(template: Template): string | undefined {
    return renderOptional(template, this.scope);
  }
}

/** The last scope's filter context: a template's references render in one scope, each built a context of its own (issue 10: a CRM request's templates hold a dozen filtered references). */
let lastContext: ScopeFilterContext | undefined;

function filterContext(scope: TemplateScope): FilterContext {
  if (lastContext?.scope !== scope) lastContext = new ScopeFilterContext(scope);
  return lastContext;
}

/**
 * Built without a stack trace: the message names the variable; the stack would only show the
 * renderer, and capturing it was most of an error's cost on the relay's thread (docs/benchmarks.md,
 * "Relay with a CRM").
 */
function missing(ref: Reference, scope: TemplateScope): MissingValueError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return missingValue(ref, scope);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function missingValue(ref: Reference, scope: TemplateScope): MissingValueError {
  if (ref.scope === 'group') return new MissingValueError(`{{${ref.template!.source}}}`, 'the group rendered empty');
  if (ref.scope === 'config') {
    const label = scope.configLabels?.[ref.name];
    return new MissingValueError(`$config.$fields.${ref.name}`, `fill in ${label ? `"${label}" (${ref.name})` : ref.name} in Options > Provider`);
  }
  return new MissingValueError(`@${ref.name}`, howToSet(ref.name));
}

/** Where the person using the product sets each variable. */
export function howToSet(name: string): string {
  switch (name) {
    case 'extension':
      return 'set your phone number in Options > Agent';
    case 'email':
      return 'set your e-mail in Options > Agent';
    case 'callerid':
      return 'set your caller ID in Options > Agent (or the connector\'s callerid field)';
    case 'to_number':
      return 'no number to call was given';
    case 'to_extension':
      return "the number called has no extension: the connector should treat @to_extension as optional (optional=\"true\", or @to_extension|default:'')";
    case 'from_number':
      return 'set your phone number in Options > Agent';
    default:
      if (CALLBACK_URL_VARIABLES.includes(name)) return 'connect a relay in Options > Relay: it provides the callback URLs';
      if (name.startsWith('user_')) return `set the profile field "${name.slice(5)}" in Options > Agent`;
      return `the call record has no ${name}: the provider's request did not carry it`;
  }
}
