import { useEffect, useState } from 'preact/hooks';
import { isCallStatus, isFinalStatus, statusLabel, statusTone, type CallView } from '@phone-connector/shared';

export interface IncomingPopupProps {
  call: CallView;
  /** National format of the caller's number, for display. */
  nationalNumber: string;
  searchUrl?: string;
  onSaveNotes(notes: string): Promise<{ ok: boolean; error?: string }>;
  onDismiss(): void;
}

/** The incoming-call popup: who is calling, live status and timer, CRM search, notes. */
export function IncomingPopup({ call, nationalNumber, searchUrl, onSaveNotes, onDismiss }: IncomingPopupProps) {
  const ended = isFinalStatus(call.status);
  const [notes, setNotes] = useState(call.notes ?? '');
  const [saveState, setSaveState] = useState<'idle' | 'saving' | 'saved' | string>('idle');
  const [now, setNow] = useState(Date.now());
  const [shownAt] = useState(Date.now());

  useEffect(() => {
    if (ended) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ended]);

  const seconds = ended && call.duration !== null ? call.duration : Math.max(0, Math.round((now - shownAt) / 1000));
  const status = call.status ?? call.status_raw ?? 'ringing';
  const save = async () => {
    setSaveState('saving');
    const result = await onSaveNotes(notes);
    setSaveState(result.ok ? 'saved' : (result.error ?? 'could not save'));
  };

  return (
    <div class="pc-card" role="dialog" aria-label={`Incoming call from ${nationalNumber}`}>
      <div class="pc-row">
        <span class="pc-title">Incoming call</span>
        <button type="button" class="pc-close" aria-label="Dismiss" onClick={onDismiss}>
          ×
        </button>
      </div>
      <p class="pc-number" data-pc-field="number">{nationalNumber}</p>
      <div class="pc-row">
        <span class="pc-e164" data-pc-field="e164">{call.from_number ?? 'Unknown number'}</span>
        <span class="pc-status" data-state={status} data-tone={isCallStatus(status) ? statusTone(status) : undefined} data-pc-field="status">
          {isCallStatus(status) ? statusLabel(status, 'inbound') : status}
        </span>
      </div>
      <div class="pc-row">
        <span class="pc-timer" data-pc-field="timer">{formatDuration(seconds)}</span>
        {searchUrl ? (
          <a class="pc-link" href={searchUrl} target="_top" rel="noopener">
            Open in CRM
          </a>
        ) : null}
      </div>
      <textarea aria-label="Call notes" placeholder="Notes for the call log" value={notes} onInput={(e) => setNotes((e.target as HTMLTextAreaElement).value)} />
      <div class="pc-actions">
        <button type="button" onClick={save} disabled={saveState === 'saving'}>
          Save notes
        </button>
        {saveState === 'saved' ? <span class="pc-saved">Saved</span> : saveState !== 'idle' && saveState !== 'saving' ? <span class="pc-detail">{saveState}</span> : null}
      </div>
    </div>
  );
}

export function formatDuration(totalSeconds: number): string {
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const mm = String(m).padStart(h ? 2 : 1, '0');
  return `${h ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
