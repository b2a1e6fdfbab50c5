import type { ValueType } from '../connector/plan.ts';
import type { Template } from '../template/ast.ts';
import { renderTemplate, type TemplateScope } from '../template/render.ts';
import { ConnectorRuntimeError } from './errors.ts';

/** A leaf parameter of a JSON body (request or reply): its name, declared type and value. */
interface JsonLeaf {
  name: string;
  type: ValueType;
  value?: Template;
}

/**
 * The one rule for a leaf value in a JSON body, call requests and webhook replies alike:
 * a `number` must render to a finite number (an empty or non-numeric value is the
 * connector's or the config's mistake, reported rather than sent as 0, NaN or null); a
 * `boolean` is true for "true", "1" or "yes" (any case); anything else is its text.
 */
export function jsonLeaf(parameter: JsonLeaf, scope: TemplateScope): string | number | boolean {
  const text = parameter.value ? renderTemplate(parameter.value, scope) : '';
  switch (parameter.type) {
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new ConnectorRuntimeError(`parameter ${parameter.name} must be a number (got "${text}")`, 'missing-value');
      return n;
    }
    case 'boolean':
      return /^(true|1|yes)$/i.test(text.trim());
    default:
      return text;
  }
}
