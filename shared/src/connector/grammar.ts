import { z } from 'zod';

/**
 * The connector grammar: the one source of truth for which elements and attributes exist,
 * where, and what their values must look like. The validator walks documents with it and
 * docs/connectors.md's element reference is generated from it (a test keeps them in step).
 */

/** How an attribute's value is read. */
export type ValueKind = 'template' | 'path' | 'list' | 'name' | 'enum' | 'literal';

export interface AttributeSpec {
  doc: string;
  kind: ValueKind;
  required?: boolean;
  /** Checks the raw value; the first issue's message becomes the error. */
  schema?: z.ZodType<string>;
  /** Accepted, with a warning pointing at `replacement` (a seed misspelling). */
  deprecatedFor?: string;
  /** The value the compiler reads when the attribute is absent (documented with it). */
  default?: string;
}

export interface ElementSpec {
  doc: string;
  attributes: Record<string, AttributeSpec>;
  /** Known child elements. */
  children: Record<string, ElementSpec>;
  /** Any other child name is a mapping of that record field (response blocks). */
  mapping?: ElementSpec;
  /** May appear more than once under its parent. */
  repeat?: boolean;
  required?: boolean;
  /** Text content is a template (URLs, parameter values); elsewhere text is ignored with a warning. */
  text?: boolean;
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const enumOf = (values: readonly [string, ...string[]], what: string) =>
  z.string().refine((v) => values.includes(v.toLowerCase()), { message: `${what} must be one of: ${values.join(', ')}` });
export const identifier = (what: string) =>
  z.string().regex(IDENTIFIER, { message: `${what} must start with a letter or _ and contain only letters, digits and _` });
const xmlName = (what: string) => z.string().regex(XML_NAME, { message: `${what} must be a valid XML element name` });
export const nonEmpty = (what: string) => z.string().trim().min(1, { message: `${what} must not be empty` });

export const template = (doc: string, required = false): AttributeSpec => ({ doc, kind: 'template', required });

/** Enum values the compiler reads typed (`choice`). */
export const REQUEST_METHODS = ['get', 'post'] as const;
/** A hang-up may also PUT (Vonage) or DELETE (Plivo) the call. */
export const HANGUP_METHODS = ['get', 'post', 'put', 'delete'] as const;
/** A `<recording>` is fetched. */
export const RECORDING_METHODS = ['get'] as const;
export const VALUE_TYPES = ['string', 'number', 'boolean', 'object', 'array'] as const;
export const REPLY_FORMATS = ['xml', 'json'] as const;
export const SIGNATURE_TYPES = ['twilio', 'signalwire', 'plivo-v3', 'plivo-v2', 'telnyx', 'vonage', 'hmac', 'header'] as const;
export const HMAC_ALGORITHMS = ['sha1', 'sha256'] as const;
export const SIGNATURE_ENCODINGS = ['base64', 'hex', 'base64-hex'] as const;

/** The root of a reply when `root` is absent, by reply format. */
export const REPLY_ROOTS: Record<(typeof REPLY_FORMATS)[number], string> = { xml: 'Response', json: 'object' };
/** The header carrying the signature when `header` is absent, by signature type (`hmac` requires one). */
export const SIGNATURE_HEADERS = { twilio: 'X-Twilio-Signature', signalwire: 'X-SignalWire-Signature' } as const satisfies Partial<Record<(typeof SIGNATURE_TYPES)[number], string>>;
export const BODY_FORMATS = ['form', 'json'] as const;
export const JWT_ALGORITHMS = ['rs256', 'hs256'] as const;

/** Config field types. */
export const FIELD_TYPES = ['text', 'password', 'url', 'checkbox'] as const;

/** The kinds of connector, by their root's `for`: each has its own grammar below its root. */
export const CONNECTOR_KINDS = ['PhoneCalls', 'CRM'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];
/** The root's `for` in the grammar of `kind` (the compiler picks the grammar by `for`, so each accepts its own). */
export const connectorKind = (kind: ConnectorKind) => z.string().refine((v) => v === kind, { message: `for must be "${kind}"` });


const headerElement = (doc: string): ElementSpec => ({
  doc,
  repeat: true,
  attributes: {
    name: { doc: 'Header name.', kind: 'name', required: true, schema: nonEmpty('a header name') },
    value: template('Header value (template).', true),
  },
  children: {},
});

export const headersElement = (doc: string): ElementSpec => ({ doc, attributes: {}, children: { header: headerElement('One HTTP header.') } });

export const mappingField: ElementSpec = {
  // Again only after mappings of the same field with a condition: compileMapping says so.
  repeat: true,
  doc: 'Maps one record field. Its element name is the field: `call_id`, `call_status`, `direction`, `from_number`, `to_number`, `user_number`, `duration`, `starttime`, `endtime`, `recordingurl`, `billrate`, `gateway`, `campaign_name`, `uui`, `error`, `success`, or any other name (kept as an extra field). A field may be mapped again after mappings of it that have a `when` or `unless`: the first whose condition holds and that finds a value (or has a default) maps it, and one without a condition, last, takes the other webhooks (Africa\'s Talking\'s final request says `Completed` for a call whether or not a dialled phone picked up: `<call_status use="callSessionState" when="dialDestinationNumber"/>` then `<call_status use="callSessionState" map="completed:no-answer"/>`).',
  attributes: {
    use: { doc: 'Path of the value in the payload (`CallSid`, `data.Status`, `entries.0.sessionId`); `a|b` takes the first that has a value.', kind: 'path' },
    default: template('Value (template) used when the path is missing or empty.'),
    in: { doc: 'On `success` only: comma-separated values that mean success (case-insensitive).', kind: 'list' },
    map: {
      doc: 'Translates the provider\'s words before the field is normalised: `from:to` pairs, comma-separated, case-insensitive (`answered:completed,no answer:no-answer`). Unlisted values pass unchanged.',
      kind: 'list',
    },
    unknown: {
      doc: 'On `call_status` and `direction` only: what a word the engine does not know (after `map`) becomes, e.g. `failed` for the disconnect causes a provider adds later, which would otherwise leave the call open. The provider\'s word is still kept raw; a missing or empty value takes `default`.',
      kind: 'enum',
    },
    when: {
      doc: 'Path in the payload: the field is mapped (its path or its `default`) only where this path has a value, not empty, not null; elsewhere the field is left as if absent from the block. For a value that means something only in some of a block\'s webhooks: Exotel\'s Passthru names in `DialWhomNumber` the agent who took a completed call, but an agent who rang out on a call nobody took (`<answered_by use="DialWhomNumber" when="CallType" is="completed"/>`).',
      kind: 'path',
    },
    is: {
      doc: 'With `when`: the values its path must have (comma-separated, case-insensitive) for the field to be mapped.',
      kind: 'list',
    },
    not: {
      doc: 'With `when`: values its path must not have (comma-separated, case-insensitive) for the field to be mapped; then the next mapping of the field is tried. Exotel\'s Passthru has a leg per agent rung, whose `OnCallDuration` is the talk time, 0 for the legs nobody answered: `<duration use="Legs[0][OnCallDuration]" when="Legs[0][OnCallDuration]" not="0"/>`, then the same for `Legs[1]`…',
      kind: 'list',
    },
    unless: {
      doc: 'Path in the payload: the field is mapped only where this path has no value, as `when` does where it has one (both may be given).',
      kind: 'path',
    },
    since: {
      doc: 'Path of a time in the payload: the field is the whole seconds from that time to the time at `use`, for a provider that gives a span\'s start and end but not its length (Vonage\'s record event: `<recording_duration use="end_time" since="start_time"/>`). Either time missing or unreadable, or the end before the start: the field is left unset (its `default`, if any). Times in the forms `starttime` takes.',
      kind: 'path',
    },
  },
  children: {},
};

/** A status block's `…="fill"` attribute: `fill` under the condition `doc` states, else `update`. */
const fillMode = (name: string, doc: string): AttributeSpec => ({
  doc: `${doc} \`update\` (default): the block updates the call as any other.`,
  kind: 'enum',
  default: 'update',
  schema: enumOf(['update', 'fill'], name),
});

const responseElement = (doc: string): ElementSpec => ({
  doc,
  attributes: {
    format: { doc: '`json` or `xml`: how to read a response body; for webhooks the Content-Type decides and this is the fallback.', kind: 'enum', schema: enumOf(['json', 'xml'], 'format') },
  },
  children: {},
  mapping: mappingField,
});

const replyParameter: ElementSpec = {
  doc: 'An element of the reply (XML) or a key (JSON); nested parameters are its children.',
  repeat: true,
  text: true,
  attributes: {
    name: { doc: 'Element or key name (optional inside a JSON `type="array"`).', kind: 'name', schema: xmlName('a parameter name') },
    value: template('Text content (template). Text inside the element works too.'),
    type: { doc: 'JSON only: `string` (default), `number`, `boolean`, `object` or `array`. Typed values follow the request rule: a `number` must render to a finite number (else the reply fails, naming the parameter); a `boolean` is true for `true`, `1` or `yes`.', kind: 'enum', schema: enumOf(VALUE_TYPES, 'type') },
    optional: {
      doc: '`true`: the element (or JSON key) is left out, with what it holds, when its value is empty or not set, instead of failing (Vonage\'s `dtmfAnswer` for a number without extension).',
      kind: 'enum',
      schema: enumOf(['true', 'false'], 'optional'),
    },
    if: template('Template: the element (or JSON key) is in the reply, with what it holds, only where this renders to something (not empty, not unset), for a part of the reply a setting turns on: Twilio\'s voicemail `<parameter name="Record" if="$config.$fields.voicemail_greeting">`, left out while the greeting is blank. Unlike `optional`, it does not look at the element\'s own value: `<Record>` has none.'),
    when: {
      doc: 'Path in the webhook: the element (or JSON key) is in the reply, with what it holds, only where this path has a value (not empty, not null); elsewhere it is left out. For a provider that posts several requests of a call to one URL and runs what each reply says.',
      kind: 'path',
    },
    is: {
      doc: 'With `when`: the values its path must have (comma-separated, case-insensitive) for the element to be in the reply.',
      kind: 'list',
    },
    not: {
      doc: 'With `when`: values its path must not have (comma-separated, case-insensitive) for the element to be in the reply.',
      kind: 'list',
    },
    unless: {
      doc: 'Path in the webhook: the element is in the reply only where this path has no value (`a|b`: where none of them has one), as `when` does where it has one (both may be given). Africa\'s Talking posts to the one callback URL again when a `<Dial>`ed phone picks up and when the dial ends, with `dialDestinationNumber` or `dialStatus`: a `<Dial>` in the reply to those would dial again (`<parameter name="Dial" unless="dialDestinationNumber|dialStatus">`).',
      kind: 'path',
    },
  },
  children: {
    attrs: {
      doc: 'XML attributes of the parameter element.',
      attributes: {},
      children: {
        attr: {
          doc: 'One attribute.',
          repeat: true,
          attributes: {
            name: { doc: 'Attribute name.', kind: 'name', required: true, schema: xmlName('an attribute name') },
            value: template('Attribute value (template).', true),
            optional: {
              doc: '`true`: the attribute is left out when its value is empty or not set, instead of failing (`sendDigits="ww{{@to_extension}}"` for a number without extension).',
              kind: 'enum',
              schema: enumOf(['true', 'false'], 'optional'),
            },
            if: template('Template: the attribute is there only where this renders to something, as a parameter\'s `if` (Twilio\'s `<attr name="record" value="record-from-answer" if="$config.$fields.record_calls"/>` on its `<Dial>`, for a `checkbox` field).'),
          },
          children: {},
        },
      },
    },
  },
};
replyParameter.children.parameter = replyParameter;

export const basicElement: ElementSpec = {
  doc: 'HTTP Basic authentication.',
  attributes: { username: template('User name (template).', true), password: template('Password (template).', true) },
  children: {},
};

const sendResponseElement: ElementSpec = {
  doc: 'The reply to the webhook. Without it the relay answers 200 with an empty body.',
  attributes: {
    format: { doc: '`xml` (a `<Response>` document) or `json`.', kind: 'enum', default: 'xml', schema: enumOf(REPLY_FORMATS, 'format') },
    agentdialing: { doc: 'Name of the parameter to repeat once per agent to ring, with `@extension` bound to each agent\'s number, and `@last_agent` to `true` for the last of them (Vonage\'s `connect` actions ring the agents in turn: only the last one\'s may send the caller to voicemail).', kind: 'name' },
    agentjoin: {
      doc: 'With `agentdialing`: the parameter is rendered once, with `@extension` bound to every agent\'s number joined by this text, for providers that take the numbers to ring in one list (Africa\'s Talking\'s `<Dial phoneNumbers="+254…,+254…">`, `agentjoin=","`); without it the parameter repeats once per agent.',
      kind: 'literal',
      schema: z.string().min(1, { message: 'agentjoin must be the text between two numbers, such as ","' }),
    },
    maxagents: {
      doc: 'With `agentdialing`: the most agents one reply may ring, the provider\'s limit (Twilio\'s `<Dial>` takes 10 `<Number>`s, Bandwidth\'s `<Transfer>` 8 and fails the call past them). The first agents in the relay\'s order (oldest first) are rung; the others still see the call.',
      kind: 'literal',
      schema: z.string().regex(/^[1-9]\d{0,3}$/, { message: 'maxagents must be a whole number from 1 to 9999' }),
    },
    root: { doc: 'XML: the root element (default `Response`). JSON: `object` (default) or `array`, whose items are the parameters (Vonage NCCO).', kind: 'name', schema: xmlName('root') },
    status: {
      doc: 'HTTP status of the reply; 204 answers with no body (Bandwidth\'s disconnect).',
      kind: 'literal',
      default: '200',
      schema: z.string().regex(/^[1-5]\d\d$/, { message: 'status must be an HTTP status code such as 200 or 204' }),
    },
  },
  children: {
    headers: headersElement('HTTP headers of the reply.'),
    parameters: { doc: 'The reply body.', attributes: {}, children: { parameter: replyParameter } },
  },
};

export const requestParameter: ElementSpec = {
  doc: 'One request parameter: query string for GET, form field (or JSON key with `format="json"`) for POST. A name is given once among its siblings; several values under one name are a `type="array"`.',
  repeat: true,
  text: true,
  attributes: {
    name: { doc: 'Parameter name (optional inside `type="array"`).', kind: 'name' },
    optional: { doc: '`true`: left out of the request when its value is empty or not set (an object or array: when a value it needs is not set: HubSpot\'s `associations` for a call with no contact), instead of failing (MyOperator\'s `caller_id`, Zadarma\'s `predicted`).', kind: 'enum', schema: enumOf(['true', 'false'], 'optional') },
    value: template('Value (template). Text inside the element works too.'),
    type: {
      doc: 'JSON bodies: `string` (default), `number`, `boolean`, `object` (nested parameters) or `array`. A `number` must render to a finite number (else the call fails, naming the parameter); a `boolean` is true for `true`, `1` or `yes`. Forms and queries take `array` only: the name is sent once per nested item, in order (Twilio\'s `StatusCallbackEvent=initiated&StatusCallbackEvent=ringing`); its items are plain values.',
      kind: 'enum',
      schema: enumOf(VALUE_TYPES, 'type'),
    },
  },
  children: {},
};
requestParameter.children.parameter = requestParameter;

const callbackElement = (doc: string): ElementSpec => ({
  doc,
  attributes: {},
  children: { response: responseElement('Maps the webhook request to the call record.'), send_response: sendResponseElement },
});

export const configElement: ElementSpec = {
  doc: 'The settings an admin fills in (Options > Provider).',
  attributes: {},
  children: {
    fields: {
      doc: 'The list of settings.',
      attributes: {},
      children: {
        field: {
          doc: 'One setting. `answer_callback`, `status_callback` and `incoming_callback` are filled by the relay with the instance\'s callback URLs.',
          repeat: true,
          attributes: {
            name: { doc: 'Referenced as `$config.$fields.NAME`.', kind: 'name', required: true, schema: identifier('a field name') },
            label: { doc: 'Label in the form.', kind: 'literal' },
            type: { doc: '`text`, `password` (masked, redacted), `url` (the relay keeps it without the spaces around it and its trailing slashes, so that a template joins a path to it with one slash) or `checkbox` (a tick box: `true` when ticked, unset when not, for an `if`; the relay takes `true`, `yes`, `on` or `1` as ticked and `false`, `no`, `off`, `0` or empty as not).', kind: 'enum', default: 'text', schema: enumOf(FIELD_TYPES, 'type') },
            presence: { doc: '`mandatory` or `optional` (default).', kind: 'enum', schema: enumOf(['mandatory', 'optional'], 'presence') },
            presense: { doc: 'The seed\'s misspelling of `presence`; accepted with a warning.', kind: 'enum', schema: enumOf(['mandatory', 'optional'], 'presence'), deprecatedFor: 'presence' },
          },
          children: {},
        },
      },
    },
  },
};

export const authElement: ElementSpec = {
  doc: 'How requests authenticate; several methods may be combined.',
  attributes: {},
  children: {
    basic: basicElement,
    bearer: { doc: '`Authorization: Bearer <token>`.', attributes: { token: template('Token (template).', true) }, children: {} },
    header: headerElement('An API-key header sent with every request.'),
    token: {
      doc: 'A token step (Vtiger\'s "URL-based authorization"): a request to a token URL whose answer gives the token used on every call; cached until it expires, fetched again once when the provider answers 401. Steps run in order and form a chain: a step with a `name` makes its token (and its `<value>`s) variables of the later steps and of every request (Vtiger: `getchallenge`\'s token feeds `login`\'s `accessKey`). The whole chain is cached per config, and fetched by one caller at a time.',
      repeat: true,
      attributes: {
        name: {
          doc: 'Makes the token the variable `@NAME` of later steps and requests, and of the templates reading their answers (a record\'s URL). A named step is sent with requests only when it says `header` or `query` (Vtiger\'s challenge is used once, to log in).',
          kind: 'name',
          schema: identifier('a token name'),
        },
        url: template('The token URL (template).', true),
        method: { doc: '`post` or `get`.', kind: 'enum', default: 'post', schema: enumOf(REQUEST_METHODS, 'method') },
        format: { doc: '`form` or `json`: how the token request\'s parameters are sent. In a JSON body they nest and take a `type`, as a request\'s do (Odoo\'s JSON-RPC `authenticate`: `params.args` an array).', kind: 'enum', default: 'form', schema: enumOf(BODY_FORMATS, 'format') },
        path: { doc: 'Path of the token in the answer (`access_token`, `data.token`).', kind: 'path', required: true },
        expires_path: { doc: 'Path of its lifetime in seconds (`expires_in`); without it the token is kept until a 401.', kind: 'path' },
        header: { doc: 'Header that carries the token.', kind: 'name', default: 'Authorization', schema: nonEmpty('a header name') },
        prefix: { doc: 'Text before the token in the header.', kind: 'literal', default: 'Bearer ' },
        query: { doc: 'Send the token as this query parameter instead of a header.', kind: 'name', schema: nonEmpty('a parameter name') },
      },
      children: {
        basic: basicElement,
        value: {
          doc: 'Another value of the token answer, kept with the token and known as `@NAME` (Vtiger\'s `result.userId`, the user calls are assigned to).',
          repeat: true,
          attributes: {
            name: { doc: 'Variable name.', kind: 'name', required: true, schema: identifier('a value name') },
            use: { doc: 'Path of the value in the token answer.', kind: 'path', required: true },
          },
          children: {},
        },
        // The same as a request's: with format="json" nested and typed (a JSON-RPC login: Odoo's `params.args`).
        parameter: requestParameter,
      },
    },
    jwt: {
      doc: 'A JSON Web Token minted for each call (Vonage: RS256 with the application\'s private key), sent in a header.',
      attributes: {
        algorithm: { doc: '`RS256` (PKCS#8 PEM private key) or `HS256` (shared secret).', kind: 'enum', required: true, schema: enumOf(JWT_ALGORITHMS, 'algorithm') },
        key: template('The private key or secret (template).', true),
        ttl: { doc: 'Seconds until `exp`.', kind: 'literal', default: '900', schema: z.string().regex(/^\d{1,6}$/, { message: 'ttl must be a number of seconds' }) },
        header: { doc: 'Header to send it in.', kind: 'name', default: 'Authorization', schema: nonEmpty('a header name') },
        prefix: { doc: 'Text before the token.', kind: 'literal', default: 'Bearer ' },
      },
      children: {
        claim: {
          doc: 'A claim besides `iat`, `exp` and `jti`, which are always set.',
          repeat: true,
          attributes: {
            name: { doc: 'Claim name.', kind: 'name', required: true, schema: nonEmpty('a claim name') },
            value: template('Claim value (template).', true),
          },
          children: {},
        },
      },
    },
    query: {
      doc: 'An API-key query parameter sent with every request.',
      repeat: true,
      attributes: { name: { doc: 'Parameter name.', kind: 'name', required: true, schema: nonEmpty('a parameter name') }, value: template('Value (template).', true) },
      children: {},
    },
  },
};

/** `<request>`: an HTTP request to the provider's API, by one of `methods`. */
const providerRequestElement = (doc: string, methods: readonly [string, ...string[]]): ElementSpec => ({
  doc,
  required: true,
  attributes: {
    method: { doc: `${methods.map((m) => `\`${m}\``).join(', ').replace(/, ([^,]*)$/, ' or $1')}.`, kind: 'enum', default: methods.includes('post') ? 'post' : methods[0], schema: enumOf(methods, 'method') },
    format: { doc: '`form` or `json`: how a body is encoded (a GET or DELETE sends its parameters in the query).', kind: 'enum', default: 'form', schema: enumOf(BODY_FORMATS, 'format') },
  },
  children: {
    url: { doc: 'Appended to the provider URL; empty means the provider URL; absolute means as is.', text: true, attributes: {}, children: {} },
    headers: headersElement('Request headers.'),
    parameters: { doc: 'Request parameters.', attributes: {}, children: { parameter: requestParameter } },
  },
});

export const CONNECTOR_GRAMMAR: ElementSpec = {
  doc: 'The root element.',
  attributes: {
    for: { doc: '`PhoneCalls` for a telephony connector (this grammar); `CRM` for a CRM connector (see `<connector for="CRM">`).', kind: 'enum', required: true, schema: connectorKind('PhoneCalls') },
    name: { doc: 'Display name shown in the options page (defaults to the file name).', kind: 'literal' },
  },
  children: {
    config: configElement,
    provider: {
      doc: 'The provider\'s API endpoint, authentication and webhook signature.',
      attributes: {},
      children: {
        url: { doc: 'Base URL (template); request URLs are appended to it.', text: true, required: true, attributes: {}, children: {} },
        auth: authElement,
        signature: {
          doc: 'How the relay verifies that webhooks come from the provider.',
          attributes: {
            type: {
              doc: '`twilio` (HMAC-SHA1 over URL and parameters), `signalwire` (X-SignalWire-Signature: Twilio\'s scheme with repeated values in the order sent, or hex HMAC-SHA1 over URL and raw JSON body), `plivo-v3` / `plivo-v2` (X-Plivo-Signature-V3 / -V2 with their nonce), `telnyx` (Ed25519 over timestamp and body), `vonage` (an HS256 JWT in Authorization with the body\'s hash), `hmac` (an HMAC of a `message` built from the webhook\'s fields, in `header`: Zadarma) or `header` (a shared secret in a header).',
              kind: 'enum',
              required: true,
              schema: enumOf(SIGNATURE_TYPES, 'type'),
            },
            token: template('`twilio`, `signalwire`, `plivo-v3`, `plivo-v2`, `vonage`, `hmac`: the auth token, signing key or secret (template).'),
            header: { doc: '`twilio`: the header carrying the signature (default X-Twilio-Signature; SignalWire sends X-SignalWire-Signature). `hmac`: the header carrying it (required).', kind: 'name', schema: nonEmpty('a header name') },
            message: template('`hmac`: what is signed, a template over the webhook\'s fields (`@caller_id@called_did@call_start`); or `<message>` children per event.'),
            use: { doc: '`hmac` with `<message for>` children: path of the field that names the event.', kind: 'path' },
            algorithm: { doc: '`hmac`: `sha1` or `sha256`.', kind: 'enum', default: 'sha1', schema: enumOf(HMAC_ALGORITHMS, 'algorithm') },
            encoding: { doc: '`hmac`: `base64` of the digest, `hex`, or `base64-hex` (base64 of the hex string, as PHP\'s hash_hmac makes it: Zadarma).', kind: 'enum', default: 'base64', schema: enumOf(SIGNATURE_ENCODINGS, 'encoding') },
            public_key: template('`telnyx`: the account public key, base64 (template).'),
            tolerance: {
              doc: '`telnyx`, `vonage`: how many seconds a webhook\'s timestamp may be from now; older ones are replays.',
              default: '300',
              kind: 'literal',
              schema: z.string().regex(/^\d{1,5}$/, { message: 'tolerance must be a number of seconds' }),
            },
            name: { doc: '`header`: the header that carries the secret.', kind: 'name' },
            value: template('`header`: the expected secret (template).'),
          },
          children: {
            message: {
              doc: '`hmac`: what is signed for the events it lists (`for`), or for any other event (no `for`); a template over the webhook\'s fields.',
              repeat: true,
              text: true,
              attributes: { for: { doc: 'Comma-separated values of the `use` field (case-insensitive).', kind: 'list' } },
              children: {},
            },
          },
        },
        handshake: {
          doc: 'A URL check some providers make when a webhook URL is saved (Zadarma\'s `zd_echo`): a request carrying `param` is answered 200 with `reply` as plain text, before any signature check, and nothing is stored.',
          attributes: {
            param: { doc: 'The query parameter that marks the check.', kind: 'name', required: true, schema: nonEmpty('a parameter name') },
            reply: template('The answer (template over the request\'s fields, e.g. `@zd_echo`).', true),
          },
          children: {},
        },
      },
    },
    outgoing_call: {
      doc: 'Click to call: the request that places a call, how to read its response, and the call\'s webhooks.',
      attributes: {},
      children: {
        request: providerRequestElement('The HTTP request that places the call.', REQUEST_METHODS),
        response: responseElement('Maps the provider\'s answer to the call request (call id, status, error, success).'),
        hangup: {
          doc: '(ext) Ends a call placed here before it is over: the call\'s card in the page offers **Cancel** while the agent\'s phone rings and **Hang up** once it is answered, and runs this request from the agent\'s browser (as it places calls). `@call_id` is the provider\'s id of the call (the outgoing response\'s `call_id`); `@to_number` and the agent\'s variables are set as for the call; the call record\'s other fields and extras are set once the relay has them from a webhook (give them a `|default`: Plivo ends a call in progress by the CallUUID its answer callback brings, `{{Call/@answered_call_uuid/}}|default:\'Request/@call_id/\'`). Without it the card offers neither: the agent hangs up on the phone. The provider\'s status webhook then ends the call as for any other end.',
          attributes: {},
          children: {
            request: providerRequestElement('The HTTP request that ends the call.', HANGUP_METHODS),
            response: responseElement('Reads the provider\'s answer: `success` and `error` (any 2xx is success when `success` is not mapped).'),
          },
        },
        callbacks: {
          doc: 'Webhooks for calls we placed.',
          attributes: {},
          children: {
            answer_callback: callbackElement('Hit when the agent answers; its reply usually bridges to the customer.'),
            status_callback: {
              doc: 'Hit on each status change of the call.',
              attributes: { use: { doc: 'Path of the status value that selects a `status` block.', kind: 'path', required: true } },
              children: {
                status: {
                  doc: 'Handles the statuses it lists.',
                  repeat: true,
                  attributes: {
                    for: { doc: 'Comma-separated provider statuses (case-insensitive).', kind: 'list', required: true },
                    ended: fillMode('ended', '`fill`: once the call has ended (a final status), this block only fills what the call does not have yet; its status and every field already known stay. For a provider that reports one call\'s end twice, the better account first: Twilio\'s `<Dial action>` (the dialled party busy, or its talk time) before the parent call\'s `completed`.'),
                    answered: fillMode('answered', '`fill`: once someone took the call (in progress, or ended completed), this block only fills what the call does not have yet, as `ended="fill"` does once it ended. For a leg whose end says the call went unanswered unless another leg answered it: the caller\'s own leg of a Vonage incoming call, which the provider answers itself and which completes whenever the caller hangs up.'),
                    inbound: fillMode('inbound', '`fill`: on a call known as inbound (its first webhook said so), this block only fills what the call does not have yet; on other calls it updates them as any other. For an event that decides a call placed here but not an incoming one: Telzio\'s child leg\'s Call Ended is the customer\'s leg of a click to call (busy, no answer, the talk time) but one of the users a ring group rang for an incoming call, whose end must not end it.'),
                    outbound: fillMode('outbound', '`fill`: on a call known as outbound (placed by an agent), this block only fills what the call does not have yet, as `inbound="fill"` does on incoming calls.'),
                    when: {
                      doc: 'Path in the webhook: the block takes only the webhooks where it has a value (not empty, not null). A status may then be listed in several blocks: the first that takes a webhook handles it, and a block without `when` or `unless` for the same status, which must come last, takes the rest. For one event type that covers two legs: Telzio\'s Call Ended, whose `parent_call_id` is set on a child leg only.',
                      kind: 'path',
                    },
                    is: {
                      doc: 'With `when`: the values its path must have (comma-separated, case-insensitive) for the block to take the webhook. For a leg whose events share one block but one of them says more: Vonage\'s agent leg answering names the agent\'s phone in `to` (`when="status" is="answered"`), its other events do not mean the agent took the call.',
                      kind: 'list',
                    },
                    not: {
                      doc: 'With `when`: values its path must not have (comma-separated, case-insensitive) for the block to take the webhook.',
                      kind: 'list',
                    },
                    unless: {
                      doc: 'Path in the webhook: the block takes only the webhooks where it has no value, as `when` does where it has one (both may be given). For a leg\'s own event that a callback of another kind resembles: Telnyx\'s dialled leg names its parent call in `ParentCallSid`, and so may the `<Dial action>`, which alone carries `DialCallStatus`.',
                      kind: 'path',
                    },
                  },
                  children: { response: responseElement('Updates the call record.'), send_response: sendResponseElement },
                },
              },
            },
          },
        },
      },
    },
    incoming_call: callbackElement('Incoming calls: maps the provider\'s request to a record (and a popup), and replies (e.g. ring the agents).'),
    recording: {
      attributes: {
        media: {
          doc: 'Where the provider keeps its files when that is not its API\'s host (Plivo: `https://media.plivo.com`): an origin, which the request may go to besides the provider URL\'s.',
          kind: 'literal',
          schema: z.string().regex(/^https:\/\/[a-z0-9.-]+(:\d+)?$/i, { message: 'media must be an https origin, such as https://media.example.com' }),
        },
      },
      doc: '(ext) How the relay fetches a call\'s recording, for a provider whose own link asks for the account\'s credentials (Twilio) or expires (Telnyx: 10 minutes after the call). The call\'s `recording_url` is then a link of the relay\'s own, signed for that call (`…/recordings/{instance}/{signature}?call={call id}`), which the agent\'s wrap-up, missed calls and CRM log show; opened, the relay runs this request with the provider\'s `<auth>`, minted credentials too: a token step\'s token (fetched once and kept until it expires, fetched again when the provider answers 401) or a JWT signed for the request. Its templates see the call record\'s fields and extras, `@recordingurl` being the link the provider gave. With a `<response>` that maps `recordingurl`, the answer says where the file is now (a fresh link) and the relay redirects there; without one, the answer is the file, which the relay passes on (its type and length, and the range a player asks for). The request goes only to the origin of `<provider><url>` (or `media`), so the account\'s credentials never reach a host a webhook named. Without `<recording>`, the link the provider gave is the call\'s.',
      children: {
        request: providerRequestElement('The HTTP request for the recording.', RECORDING_METHODS),
        response: responseElement('Reads the answer when it is not the file itself: `recordingurl` (where to send the listener) and `error`.'),
      },
    },
  },
};
