/**
 * `items` in the order of round `round` (counted from 0): as given in even rounds, reversed in odd
 * ones. What a probe or bench compares takes turns going first, so that what the machine does
 * meanwhile (a process warmer for the second, another bench starting) weighs on each alike.
 */
export function inTurn<T>(items: readonly T[], round: number): T[] {
  return round % 2 === 1 ? [...items].reverse() : [...items];
}
