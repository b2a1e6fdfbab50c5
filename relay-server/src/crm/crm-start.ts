import type { Logger } from '../log.ts';
import type { RelayStore } from '../store/index.ts';
import type { CrmConnectors } from './connectors.ts';

/**
 * Gets the CRM engine ready once the store holds an instance with a CRM: at the relay's start, and
 * when another relay on the same store (one PostgreSQL, one SQLite file) saves the first CRM setup
 * this relay sees (issue 10). Told of it only at its first CRM operation, the thread's start (0.6 to
 * 1 s) was in that first caller's lookup, whose contact then missed the call's first event. A relay
 * whose store has no CRM starts no thread (60 to 70 MB resident). Setups saved through this relay
 * start it themselves (api/instances.ts). Resolves once the start's check is done, with what the
 * relay waits for before it listens and what stops the watching (the relay is stopping).
 */
export async function startCrmWithStore(store: Pick<RelayStore, 'anyInstanceWithCrm' | 'onChangeElsewhere'>, connectors: CrmConnectors, log: Logger): Promise<{ ready: Promise<void> | undefined; stop: () => void }> {
  if (await store.anyInstanceWithCrm()) return { ready: connectors.start(), stop: () => {} };
  let listening = true;
  let checking = false;
  let checkAgain = false;
  const stop = () => {
    if (listening) unsubscribe();
    listening = false;
  };
  const check = async (): Promise<void> => {
    checking = true;
    try {
      do {
        // A setup committed while the store was read is read again, never missed.
        checkAgain = false;
        const found = await store.anyInstanceWithCrm();
        // The relay stopped meanwhile, or this relay's own setup started the engine.
        if (!listening || connectors.started) return stop();
        if (found) {
          stop();
          void connectors.start();
          return;
        }
      } while (checkAgain && listening);
    } finally {
      checking = false;
    }
  };
  const checkAtNotice = () => {
    if (connectors.started || !listening) return;
    if (checking) checkAgain = true;
    else void check().catch((error: unknown) => log.warn('the store could not be asked whether an instance has a CRM: the CRM thread starts at the first CRM operation', { error }));
  };
  // Once every commit is heard, the store is read again: a setup saved elsewhere between the first
  // read and then (PostgreSQL's LISTEN connection coming up) is found by that read.
  const unsubscribe = store.onChangeElsewhere((change) => change.directory && checkAtNotice(), checkAtNotice);
  return { ready: undefined, stop };
}
