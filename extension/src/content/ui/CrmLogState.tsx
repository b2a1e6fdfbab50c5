import type { CrmLog } from '@phone-connector/shared';
import { useContext, useState } from 'preact/hooks';
import type { CallActions } from '../call-actions.ts';
import { LinkTarget } from './link-target.ts';
import { safeLink } from './safe-link.ts';

/**
 * Where the call's activity in the CRM stands: being written, written (with a link to it), not
 * written with the CRM's reason and a Retry, or left out by the connector's rules.
 */
export function CrmLogState({ log, actions }: { log: CrmLog; actions: CallActions }) {
  const [retry, setRetry] = useState<'idle' | 'sending' | string>('idle');
  const target = useContext(LinkTarget);
  const logUrl = safeLink(log.url);
  const again = async () => {
    setRetry('sending');
    const result = await actions.retryLog();
    setRetry(result.ok ? 'idle' : result.error);
  };
  return (
    <div class="pc-crm-log" data-pc-crm-log={log.state}>
      {log.state === 'pending' ? <span>Logging the call in the CRM…</span> : null}
      {log.state === 'logged' ? (
        <span>
          Logged in the CRM
          {logUrl ? (
            <>
              {' · '}
              <a class="pc-link" href={logUrl} target={target} rel="noopener" data-pc-action="open-log">
                Open log
              </a>
            </>
          ) : null}
        </span>
      ) : null}
      {log.state === 'failed' ? (
        <>
          <span class="pc-error" data-pc-field="crm-error">
            Not logged in the CRM: {log.error ?? 'the CRM refused it'}
          </span>
          <button type="button" data-pc-action="retry-log" disabled={retry === 'sending'} onClick={() => void again()}>
            Retry
          </button>
        </>
      ) : null}
      {log.state === 'skipped' ? <span>Not logged in the CRM (the connector skips such calls)</span> : null}
      {retry !== 'idle' && retry !== 'sending' ? <p class="pc-detail">{retry}</p> : null}
    </div>
  );
}
