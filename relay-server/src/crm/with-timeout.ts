import type { CrmOutcome } from '@phone-connector/shared';

/**
 * A CRM operation's outcome, or a retryable failure once `ms` passed without one (or when it
 * threw): one CRM never holds the relay's work forever, whatever its connector does.
 */
export function withTimeout<T>(run: () => Promise<CrmOutcome<T>>, ms: number): Promise<CrmOutcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CrmOutcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `the CRM did not answer within ${ms} ms`, retry: true }), ms);
  });
  const settled = Promise.resolve().then(run).catch((error: unknown): CrmOutcome<T> => ({ ok: false, error: error instanceof Error ? error.message : String(error), retry: true }));
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}
