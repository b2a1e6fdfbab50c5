import { CALLBACK_FIELDS } from '../connector/plan.ts';

/** The relay-generated callback URLs of one connector instance. */
export interface CallbackUrls {
  answer?: string;
  status?: string;
  incoming?: string;
}

type CallbackEvent = keyof CallbackUrls;

/** The config field named for an event's callback URL (`answer` -> `answer_callback`). */
const fieldOf = (event: CallbackEvent) => `${event}_callback` as const;

/** The event whose callback URL a config field holds; undefined for other fields. */
export function callbackEventOfField(field: string): CallbackEvent | undefined {
  return (CALLBACK_FIELDS as readonly string[]).includes(field) ? (field.slice(0, -'_callback'.length) as CallbackEvent) : undefined;
}

/**
 * An event's callback URL: the relay-provided one, else the config field of the same name
 * (as in Vtiger's connectors, where the admin types it in).
 */
export function callbackUrl(callbacks: CallbackUrls | undefined, config: Record<string, string | undefined>, event: CallbackEvent): string | undefined {
  return callbacks?.[event] ?? config[fieldOf(event)];
}
