/** A call as the relay sends it over the agent API and WebSocket (docs/relay.md). */
export interface CallRecordView {
  id: string;
  instance_id: string;
  call_id: string;
  direction: 'inbound' | 'outbound' | null;
  status: string | null;
  status_raw: string | null;
  from_number: string | null;
  to_number: string | null;
  user_number: string | null;
  duration: number | null;
  started_at: string | null;
  ended_at: string | null;
  recording_url: string | null;
  notes: string | null;
  disposition: string | null;
  created_at: string;
  updated_at: string;
  extra: Record<string, string>;
}

export const FINAL_STATUSES = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
