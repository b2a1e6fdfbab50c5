import type { CallDirection } from './call-record.ts';
import type { CallStatus } from './call-status.ts';

/**
 * A call as the relay shows it over the agent API and the WebSocket (docs/relay.md): the
 * one contract between the relay and the extension.
 */
export interface CallView {
  id: number;
  /** The owner's id for the connector instance; null once the instance is deleted. */
  instance_id: string | null;
  /** The provider's call id. */
  call_id: string;
  direction: CallDirection | null;
  status: CallStatus | null;
  status_raw: string | null;
  from_number: string | null;
  to_number: string | null;
  user_number: string | null;
  /** Seconds. */
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
