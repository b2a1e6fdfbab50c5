import type { PayloadPath } from '../payload/path.ts';
import type { FillCondition } from '../record/call-record.ts';
import type { Template } from '../template/ast.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { FIELD_TYPES, HMAC_ALGORITHMS, SIGNATURE_ENCODINGS, VALUE_TYPES } from './grammar.ts';

/** A connector compiled once; every runtime function is a pure function of a plan. */
export interface ConnectorPlan {
  kind: 'PhoneCalls';
  file: string;
  name: string;
  fields: ConfigField[];
  provider?: ProviderPlan;
  outgoing?: OutgoingPlan;
  incoming?: CallbackPlan;
  /** How the relay fetches a call's recording (`<recording>`, ext): the request, and the answer's `recordingurl` when it is not the file. */
  recording?: { request: RequestPlan; response?: MappingPlan; media?: string };
  /** Warnings found while loading (errors make loading fail). */
  warnings: Diagnostic[];
}

export type FieldType = (typeof FIELD_TYPES)[number];

export interface ConfigField {
  name: string;
  label: string;
  type: FieldType;
  mandatory: boolean;
  /** Filled by the relay with a generated callback URL, shown read-only. */
  callbackUrl: boolean;
}

export const CALLBACK_FIELDS = ['answer_callback', 'status_callback', 'incoming_callback'] as const;

/** Every template variable that holds a callback URL: the fields, and Vtiger's `answer_status_callback` (the status URL under its older name). */
export const CALLBACK_URL_VARIABLES: readonly string[] = [...CALLBACK_FIELDS, 'answer_status_callback'];

export interface ProviderPlan {
  url: Template;
  auth: AuthPlan[];
  signature?: SignaturePlan;
  handshake?: { param: string; reply: Template };
}

export type AuthPlan =
  | { kind: 'basic'; username: Template; password: Template }
  | { kind: 'bearer'; token: Template }
  | { kind: 'header'; name: string; value: Template }
  | { kind: 'query'; name: string; value: Template }
  | {
      kind: 'token';
      /** A named step's token (and values) are variables of later steps and of requests. */
      name?: string;
      /** Whether requests carry it (a named step only when it says `header` or `query`). */
      sent: boolean;
      values: Array<{ name: string; use: PayloadPath }>;
      url: Template;
      method: 'GET' | 'POST';
      format: 'form' | 'json';
      path: PayloadPath;
      expiresPath?: PayloadPath;
      header: string;
      prefix: string;
      query?: string;
      basic?: { username: Template; password: Template };
      /** Nested and typed in a JSON body, as a request's. */
      parameters: ParameterPlan[];
    }
  | { kind: 'jwt'; algorithm: 'RS256' | 'HS256'; key: Template; ttlSeconds: number; header: string; prefix: string; claims: HeaderPlan[] };

export type SignaturePlan =
  | { kind: 'twilio'; token: Template; header: string }
  | { kind: 'signalwire'; token: Template; header: string }
  | { kind: 'plivo-v3'; token: Template }
  | { kind: 'plivo-v2'; token: Template }
  | { kind: 'telnyx'; publicKey: Template; toleranceSeconds: number }
  | { kind: 'vonage'; token: Template; toleranceSeconds: number }
  | {
      kind: 'hmac';
      token: Template;
      header: string;
      /** The field naming the event, when messages differ per event. */
      use?: PayloadPath;
      /** What is signed: the first whose `for` lists the event, else the one without `for`. */
      messages: Array<{ for?: string[]; template: Template }>;
      algorithm: (typeof HMAC_ALGORITHMS)[number];
      encoding: (typeof SIGNATURE_ENCODINGS)[number];
    }
  | { kind: 'header'; name: string; value: Template };

export interface OutgoingPlan {
  request: RequestPlan;
  /**
   * Whether the request hands `@to_extension` to the provider (in a parameter, or in the answer
   * callback's URL for its reply); when it does not, the agent dials the extension themselves.
   */
  dialsExtension: boolean;
  response?: MappingPlan;
  answer?: CallbackPlan;
  status?: StatusCallbackPlan;
  /** How to end a call placed here (`<hangup>`, ext): the request, and its answer's `success` and `error`. */
  hangup?: { request: RequestPlan; response?: MappingPlan };
}

export interface RequestPlan {
  /** PUT and DELETE only in a `<hangup>`. */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  format: 'form' | 'json';
  url?: Template;
  headers: HeaderPlan[];
  parameters: ParameterPlan[];
}

export interface HeaderPlan {
  name: string;
  value: Template;
}

export type ValueType = (typeof VALUE_TYPES)[number];

export interface ParameterPlan {
  name: string;
  type: ValueType;
  /** Left out when its value is empty or unset. */
  optional: boolean;
  value?: Template;
  children: ParameterPlan[];
}

export interface MappingPlan {
  format?: 'json' | 'xml';
  fields: FieldMapping[];
}

/** `when`, `is`, `not` and `unless`: a test of the webhook's payload, on a status block or on one mapped field. */
export interface PayloadCondition {
  /** `when`: holds only where this path has a value (one of `whenIs`, none of `whenNot`, lower-cased, if given). */
  when?: PayloadPath;
  whenIs?: string[];
  whenNot?: string[];
  /** `unless`: holds only where this path has none. */
  unless?: PayloadPath;
}

/** One record field; with a condition, mapped only from the payloads where it holds. */
export interface FieldMapping extends PayloadCondition {
  field: string;
  use?: PayloadPath;
  /** `since`: the field is the seconds from the time at this path to the time at `use`. */
  since?: PayloadPath;
  default?: Template;
  /** `success` only: the values that mean success, lower-cased. */
  in?: string[];
  /** Provider words translated before normalising, keys lower-cased. */
  map?: Record<string, string>;
  /** `call_status` and `direction`: what a word the engine does not know becomes. */
  unknown?: string;
}

export interface CallbackPlan {
  response?: MappingPlan;
  reply?: ReplyPlan;
}

export interface StatusCallbackPlan {
  use: PayloadPath;
  blocks: StatusBlockPlan[];
}

/** A status block; with a condition, it takes only the webhooks where the condition holds. */
export interface StatusBlockPlan extends PayloadCondition {
  /** Lower-cased provider statuses. */
  for: string[];
  /**
   * The statuses (or direction) of a stored call at which the block only fills fields the call
   * does not have: the final ones with `ended="fill"`, in progress and completed with
   * `answered="fill"`, the direction with `inbound="fill"` or `outbound="fill"`.
   */
  fillOnlyAt?: readonly FillCondition[];
  response?: MappingPlan;
  reply?: ReplyPlan;
}

export interface ReplyPlan {
  /** HTTP status; 200 unless the connector says otherwise. */
  status: number;
  format: 'xml' | 'json';
  root: string;
  agentDialing?: string;
  /** With `agentDialing`: render the parameter once, `@extension` being every number joined by this. */
  agentJoin?: string;
  /** With `agentDialing`: the most agents one reply rings (the provider's limit). */
  maxAgents?: number;
  headers: HeaderPlan[];
  parameters: ReplyParameterPlan[];
}

/** With a condition (`when`, `is`, `unless`), in the reply only to the webhooks where it holds. */
export interface ReplyParameterPlan extends PayloadCondition {
  name: string;
  type: ValueType;
  /** Left out, with its children, when its value is empty or unset. */
  optional: boolean;
  /** `if`: left out, with its children, when this renders empty or unset (a setting left blank). */
  if?: Template;
  value?: Template;
  attrs: ReplyAttributePlan[];
  children: ReplyParameterPlan[];
}

export interface ReplyAttributePlan extends HeaderPlan {
  /** Left out when its value is empty or unset. */
  optional: boolean;
  /** `if`: left out when this renders empty or unset (a setting left blank or unticked). */
  if?: Template;
}
