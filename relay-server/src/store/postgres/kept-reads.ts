/**
 * Reads of the directory (agents and instances) kept from one read to the next while this relay
 * would hear of any change to them: its LISTEN connection is up (another relay's directory commit
 * announces itself there, `relay_directory`, and the poll of `directory_version` finds one whose
 * notice was lost), and its own directory commits forget what is kept as they are answered. A read
 * of SQLite's directory version is a call into the library; PostgreSQL's is a round trip, the one
 * the read itself costs, so here the notices stand in for it (issue 13: every webhook began with
 * its instance's read). A change another relay commits is seen once its notice arrives, as the
 * events it appends are. What is kept goes to every caller: `load` returns it frozen. A key
 * `load` finds nothing for is not kept.
 */
export class KeptWhileNoticed<V> {
  private readonly kept = new Map<string, V>();
  /** Moved by every `forget`: a read answered after one may hold what the change replaced, and is not kept. */
  private generation = 0;
  private hearing = false;

  constructor(
    /** How many keys are kept; the first kept goes first. */
    private readonly limit: number,
    private readonly load: (key: string) => Promise<V | undefined>,
  ) {}

  async read(key: string): Promise<V | undefined> {
    const kept = this.kept.get(key);
    if (kept !== undefined) return kept;
    const generation = this.generation;
    const value = await this.load(key);
    if (value === undefined || !this.hearing || generation !== this.generation) return value;
    if (this.kept.size >= this.limit) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, value);
    return value;
  }

  /** The directory changed, or may have. */
  forget(): void {
    this.kept.clear();
    this.generation++;
  }

  /** Whether a change another relay commits would be heard from now on; while not, nothing is kept. */
  heard(hearing: boolean): void {
    this.hearing = hearing;
    this.forget();
  }
}
