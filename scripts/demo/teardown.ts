/**
 * What the demo started, stopped in reverse order of start, each once and within a time
 * limit, so one stuck part cannot keep the others running. Something registered after the
 * teardown began (a browser that finished launching after Ctrl-C) is stopped at once.
 */
export class Teardown {
  private readonly steps: Array<{ what: string; stop: () => unknown }> = [];
  private readonly late = new Set<Promise<void>>();
  private closing = false;

  constructor(private readonly report: (message: string) => void) {}

  add(what: string, stop: () => unknown): void {
    if (!this.closing) {
      this.steps.push({ what, stop });
      return;
    }
    const stopping = this.stopOne(what, stop).finally(() => this.late.delete(stopping));
    this.late.add(stopping);
  }

  /** Stops everything registered so far, and waits for late registrations already stopping. */
  async run(): Promise<void> {
    this.closing = true;
    for (let step = this.steps.pop(); step; step = this.steps.pop()) await this.stopOne(step.what, step.stop);
    await Promise.all(this.late);
  }

  private async stopOne(what: string, stop: () => unknown): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('did not stop within 10 s')), 10_000);
    });
    try {
      await Promise.race([Promise.resolve().then(stop), limit]);
    } catch (error) {
      this.report(`could not stop ${what}: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
