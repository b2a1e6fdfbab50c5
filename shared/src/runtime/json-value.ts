import { ConnectorRuntimeError } from './errors.ts';

/**
 * The one rule for typed parameters in a JSON body, call requests and webhook replies alike:
 * a `number` must render to a finite number (an empty or non-numeric value is the connector's
 * or the config's mistake, reported rather than sent as 0, NaN or null).
 */
export function jsonNumber(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new ConnectorRuntimeError(`parameter ${name} must be a number (got "${text}")`, 'missing-value');
  return n;
}

/** A `boolean` is true for "true", "1" or "yes" (any case), false otherwise. */
export function jsonBoolean(text: string): boolean {
  return /^(true|1|yes)$/i.test(text.trim());
}
