import type { CallView } from '@phone-connector/shared';
import { useEffect, useState } from 'preact/hooks';
import type { CallActions } from '../call-actions.ts';
import { voicemailOf } from '../../missed-calls.ts';
import { CrmLogState } from './CrmLogState.tsx';
import { formatDuration } from '../../ui/duration.ts';
import { safeLink } from './safe-link.ts';

export interface WrapUpProps {
  call: CallView;
  ended: boolean;
  actions: CallActions;
}

/**
 * Notes for the call log (any time during the call) and, once the call ended on an instance
 * with a CRM, the CRM's dispositions; Save sends both to the relay, which writes them on the
 * call's CRM record, or says that the CRM keeps the record as it was logged (Pipedrive, once the
 * log is written). Below, the call's recording when the provider made one (the caller's
 * voicemail on a call nobody took), and where that record stands.
 */
export function WrapUp({ call, ended, actions }: WrapUpProps) {
  const [notes, setNotes] = useState(call.notes ?? '');
  const [disposition, setDisposition] = useState(call.disposition ?? '');
  const [dispositions, setDispositions] = useState<string[]>([]);
  // The CRM's name when its record of the call no longer follows what is saved (Pipedrive).
  const [keeper, setKeeper] = useState<string | undefined>(undefined);
  const [saveState, setSaveState] = useState<'idle' | 'saving' | 'saved' | string>('idle');
  // The relay fills `crm_log` in when the call is due for logging: only then has it a CRM to ask.
  const hasCrm = call.crm_log !== null;
  // The provider's link, from a webhook: shown only as a web address, and in a tab of its own
  // (not in place of the CRM's page, as the CRM's own links are).
  const recording = safeLink(call.recording_url);
  // On a call nobody took, the recording is the caller's message.
  const voicemail = voicemailOf(call);

  useEffect(() => {
    if (!ended || !hasCrm) return undefined;
    let live = true;
    void actions.dispositions().then((answer) => {
      if (!live || !answer.ok) return;
      setDispositions(answer.dispositions);
      setKeeper(answer.keepsLoggedCalls);
    });
    return () => {
      live = false;
    };
  }, [ended, hasCrm]);

  const save = async () => {
    setSaveState('saving');
    const offered = dispositions.length > 0;
    const result = await actions.update(offered ? { notes, disposition: disposition || null } : { notes });
    setSaveState(result.ok ? 'saved' : result.error);
  };

  return (
    <div class="pc-wrap-up" data-pc-wrap-up={ended ? 'ended' : 'live'}>
      {dispositions.length ? (
        <label class="pc-picker">
          <span>Outcome</span>
          <select data-pc-field="disposition" value={disposition} onChange={(e) => setDisposition((e.target as HTMLSelectElement).value)}>
            <option value="">Pick an outcome</option>
            {dispositions.map((d) => (
              <option value={d} key={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <textarea aria-label="Call notes" placeholder="Notes for the call log" value={notes} onInput={(e) => setNotes((e.target as HTMLTextAreaElement).value)} />
      {keeper && call.crm_log?.state === 'logged' ? (
        <p class="pc-detail" data-pc-field="crm-keeps-log">
          {keeper} keeps a call as it was logged: what you save now stays in the call log here.
        </p>
      ) : keeper && call.crm_log?.state === 'pending' && call.crm_log.id === null ? (
        <p class="pc-detail" data-pc-field="crm-logs-once">
          {keeper} gets this call once, when you save (or a few minutes after it ended).
        </p>
      ) : null}
      <div class="pc-actions">
        <button type="button" onClick={() => void save()} disabled={saveState === 'saving'}>
          Save notes
        </button>
        {saveState === 'saved' ? <span class="pc-saved">Saved</span> : saveState !== 'idle' && saveState !== 'saving' ? <span class="pc-detail">{saveState}</span> : null}
      </div>
      {recording ? (
        <p class="pc-detail">
          <a class="pc-link" href={recording} target="_blank" rel="noopener noreferrer" data-pc-action="recording">
            {voicemail ? `Listen to the voicemail${voicemail.seconds ? ` (${formatDuration(voicemail.seconds)})` : ''}` : 'Listen to the recording'}
          </a>
        </p>
      ) : null}
      {call.crm_log ? <CrmLogState log={call.crm_log} actions={actions} /> : null}
    </div>
  );
}
