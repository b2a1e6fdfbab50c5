import { resolve } from 'node:path';

/** `--name N` among a bench script's arguments: a positive integer, or `fallback` when absent. */
export function positiveIntegerFlag(args: readonly string[], name: string, fallback: number): number {
  return integerFlag(args, name, fallback, 1);
}

/** `--name N` among a bench script's arguments: an integer from 0, or `fallback` when absent. */
export function nonNegativeIntegerFlag(args: readonly string[], name: string, fallback: number): number {
  return integerFlag(args, name, fallback, 0);
}

function integerFlag(args: readonly string[], name: string, fallback: number, least: 0 | 1): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < least) throw new Error(`${name} takes ${least === 1 ? 'a positive integer' : 'an integer from 0'}, got ${args[at + 1]}`);
  return value;
}

/** `--store sqlite|postgres` among a bench script's arguments: the store the bench runs on, SQLite when absent. */
export function storeFlag(args: readonly string[]): 'sqlite' | 'postgres' {
  const at = args.indexOf('--store');
  if (at < 0) return 'sqlite';
  const value = args[at + 1];
  if (value !== 'sqlite' && value !== 'postgres') throw new Error(`--store takes sqlite or postgres, got ${value}`);
  return value;
}

/** The other tree an A/B probe runs against (its first argument: a checkout with its node_modules installed), resolved; `usage` when absent. */
export function otherTreeArg(args: readonly string[], usage: string): string {
  const other = args[0] && !args[0].startsWith('--') ? resolve(args[0]) : undefined;
  if (!other) throw new Error(`usage: ${usage}`);
  return other;
}
