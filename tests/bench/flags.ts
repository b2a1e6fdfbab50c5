import { resolve } from 'node:path';

/** `--name N` among a bench script's arguments: a positive integer, or `fallback` when absent. */
export function positiveIntegerFlag(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} takes a positive integer, got ${args[at + 1]}`);
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
