import type { CallDirection } from './call-record.ts';
import type { CallStatus } from './call-status.ts';
import type { Contact, CrmLog } from '../crm/contract.ts';

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
  /** The CRM record the call is linked to: the only match, the best one, or the agent's choice. */
  contact: Contact | null;
  /** Every CRM record that matched the customer's number (several: the agent may pick). */
  contacts: Contact[];
  /** The call's activity in the CRM; null when the instance has no CRM or the call is not due yet. */
  crm_log: CrmLog | null;
  /** The CRM's "new contact" form prefilled with the customer's number, when nothing matched and the connector has one. */
  new_contact_url: string | null;
}

/**
 * The phone that took an incoming call (a connector's `answered_by`); none for a call placed
 * here, whose customer's answer some connectors map under the same name.
 */
export function answeringPhone(call: Pick<CallView, 'direction' | 'extra'>): string | undefined {
  return call.direction === 'inbound' ? call.extra.answered_by : undefined;
}
