/**
 * What one attempt of a transaction asked to run once it is over (`StoreTx.afterCommit`): each
 * hook's `committed` once the commit has settled, or its `rolledBack` when the attempt did not
 * commit. Each runs once; one that throws does not keep the others from running, and its error
 * surfaces as an uncaught exception (a bug, not a store failure: the commit stands).
 */
export class CommitHooks {
  private hooks: Array<{ committed: () => void; rolledBack: (() => void) | undefined }> = [];

  add(committed: () => void, rolledBack?: () => void): void {
    this.hooks.push({ committed, rolledBack });
  }

  committed(): void {
    for (const hook of this.take()) run(hook.committed);
  }

  rolledBack(): void {
    for (const hook of this.take()) if (hook.rolledBack) run(hook.rolledBack);
  }

  private take() {
    const hooks = this.hooks;
    this.hooks = [];
    return hooks;
  }
}

function run(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
