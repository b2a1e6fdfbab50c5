/** What every CLI command reads and how it says the input is wrong. */

/** A command line the CLI cannot run: exit 2, with the usage. */
export class UsageError extends Error {}
/** An input file missing or malformed: exit 1, naming the file. */
export class InputError extends Error {}

export function readInput(io: { readFile(path: string): string }, path: string, what: string): string {
  try {
    return io.readFile(path);
  } catch (error) {
    throw new InputError(`cannot read ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
