import { z } from 'zod';
import {
  authElement,
  configElement,
  connectorKind,
  type ElementSpec,
  enumOf,
  headersElement,
  identifier,
  nonEmpty,
  requestParameter,
  template,
} from './grammar.ts';

/**
 * The grammar below `<connector for="CRM">`: how the relay finds who is calling and logs the
 * call in a CRM (CRMS.md). Config fields, auth (token chains included), headers, request
 * parameters and paths are the telephony grammar's own elements; only the operations are new.
 */

/** HTTP methods a CRM request may use (HubSpot PATCHes, Zoho PUTs). */
export const CRM_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Parameter types of a CRM request: the telephony ones, plus `json` (a form field holding JSON). */
export const CRM_PARAMETER_TYPES = ['string', 'number', 'boolean', 'object', 'array', 'json'] as const;
export const FIND_MODES = ['each', 'every', 'together'] as const;
/** The operations a `<rate>` may be limited to: the connector's own, by element name. */
export const CRM_OPERATIONS = ['find_contact', 'log_call', 'update_call', 'find_call', 'find_user', 'dispositions'] as const;

const crmParameter: ElementSpec = {
  ...requestParameter,
  attributes: {
    ...requestParameter.attributes,
    type: {
      doc: 'As in a telephony request, plus `json`: the nested parameters rendered as one JSON string, the value of a form or query field (Vtiger\'s `element`).',
      kind: 'enum',
      schema: enumOf(CRM_PARAMETER_TYPES, 'type'),
    },
    key: template('In a JSON object, the member\'s name as a template, for a name an admin chose (HubSpot\'s unique call property, named in the config); replaces `name`. With `optional="true"`, left out when it renders empty.'),

    each: {
      doc: 'In a batched search\'s JSON request, on a `type="array"`: the name of the search\'s `<batch>`, whose numbers each give the array its items, rendered with that number\'s variables (`@number`, `@national`, the variants): HubSpot\'s `IN` filter, `values` every caller\'s E.164 form, in one request. One number alone gives its own items.',
      kind: 'name',
      schema: identifier('a batch name'),
    },
  },
  children: {},
};
crmParameter.children.parameter = crmParameter;

const crmRequest = (doc: string, required = true): ElementSpec => ({
  doc,
  required,
  attributes: {
    method: { doc: '`get`, `post`, `put`, `patch` or `delete`.', kind: 'enum', default: 'get', schema: enumOf(CRM_METHODS, 'method') },
    format: { doc: '`form` or `json`: how a body is encoded.', kind: 'enum', default: 'form', schema: enumOf(['form', 'json'], 'format') },
  },
  children: {
    url: { doc: 'Appended to the CRM URL; empty means the CRM URL; absolute means as is.', text: true, attributes: {}, children: {} },
    headers: headersElement('Request headers.'),
    parameters: { doc: 'Request parameters.', attributes: {}, children: { parameter: crmParameter } },
  },
});

const valueField = (doc: string): ElementSpec => ({
  doc,
  attributes: {
    use: { doc: 'Path of the value (`a|b` takes the first that has one).', kind: 'path' },
    default: template('Value (template) when the path is missing or empty.'),
  },
  children: {},
});

const operationResponse = (doc: string, fields: Record<string, string>): ElementSpec => ({
  doc,
  attributes: {},
  children: Object.fromEntries(Object.entries(fields).map(([name, fieldDoc]) => [name, valueField(fieldDoc)])),
});

const matchFields = {
  id: 'The record\'s id (required).',
  name: 'The name shown to the agent; a template joins parts (`{{@firstname|default:\'\'}} @lastname`). Blank names fall back to the id.',
  company: 'The company, if any.',
  url: 'Where the record opens in the CRM (template; `@id` is the id mapped above).',
};

export const CRM_CONNECTOR_GRAMMAR: ElementSpec = {
  doc: 'The root of a CRM connector: finds who is calling and writes each call into the CRM.',
  attributes: {
    for: { doc: 'Must be `CRM`.', kind: 'enum', required: true, schema: connectorKind('CRM') },
    name: { doc: 'Display name (defaults to the file name).', kind: 'literal' },
  },
  children: {
    config: configElement,
    crm: {
      doc: 'The CRM\'s API: base URL, authentication, headers sent with every request, and how its answers say they failed.',
      required: true,
      attributes: {},
      children: {
        url: { doc: 'Base URL (template); request URLs are appended to it.', text: true, required: true, attributes: {}, children: {} },
        auth: authElement,
        headers: headersElement('Headers sent with every CRM request.'),
        envelope: {
          doc: 'How an answer says it failed, beyond its HTTP status: Vtiger answers HTTP 200 with `success:false`; Zoho puts `status` in `data[0]`; Salesforce answers arrays of `{message, errorCode}`. The paths are read on every answer, 2xx or not.',
          attributes: {
            success: { doc: 'Path of the success flag of a 2xx answer; without it every 2xx is a success.', kind: 'path' },
            in: { doc: 'Comma-separated values of `success` that mean success (case-insensitive); default: any value but a failure word (`false`, `error`, `0`, …).', kind: 'list' },
            error: { doc: 'Path that only a failed answer holds, whatever its status: an answer holding it (not null) failed for good, unless its code is a `renew` or `retry` one. A JSON-RPC 2.0 answer holds `result` or `error` (Odoo answers `{"error":{"code":200,"message":"Odoo Server Error","data":{…}}}` with HTTP 200).', kind: 'path' },
            message: { doc: 'Path of the CRM\'s error message (`error.message`, `0.message`).', kind: 'path' },
            code: { doc: 'Path of the CRM\'s error code (`error.code`, `0.errorCode`).', kind: 'path' },
            renew: { doc: 'Comma-separated error codes that mean the session expired: the token chain is fetched again and the request replayed, once (Vtiger `INVALID_SESSIONID,SESSION_EXPIRED,SESSION_LEFT_IDLE,AUTHENTICATION_REQUIRED`). HTTP 401 always does this.', kind: 'list' },
            retry: { doc: 'Comma-separated error codes that mean "try again later", whatever the HTTP status (Salesforce 403 `REQUEST_LIMIT_EXCEEDED`). 429, 5xx and network failures always do.', kind: 'list' },
          },
          children: {},
        },
      },
    },
    limits: {
      doc: 'The CRM\'s published request-rate limits (issue 10): the relay paces the requests of each CRM account (its token: instances set up with one share it) to every `<rate>` that applies, so a burst of calls waits, and its lookups go together in one batched search, rather than meeting the CRM\'s 429. Relays sharing one PostgreSQL database pace together (docs/relay.md).',
      attributes: {},
      children: {
        rate: {
          doc: 'At most `requests` requests in any window of `per`. A request counts from when it is sent until `per` after its answer came, so the CRM, which counts when it receives it, never sees more.',
          repeat: true,
          attributes: {
            requests: { doc: 'The most requests in one window (1 to 100000).', kind: 'literal', required: true, schema: z.string().regex(/^[1-9]\d{0,5}$/, { message: 'requests must be a whole number from 1 to 100000' }) },
            per: { doc: 'The window: a number and `ms`, `s` or `m` (`1s`, `2s`, `10s`, `500ms`).', kind: 'literal', required: true, schema: z.string().regex(/^[1-9]\d{0,6}(ms|s|m)$/, { message: 'per is a duration: a whole number and ms, s or m (1s, 10s, 500ms)' }) },
            operations: { doc: 'Comma-separated operations the limit counts (`find_contact`: its searches and follow-ups; `update_call`: its relink requests too; `log_call`, `find_call`, `find_user`, `dispositions`). Absent: every request of the connector, token steps included.', kind: 'list' },
          },
          children: {},
        },
      },
    },
    maps: {
      doc: 'The CRM\'s own words for our values: each `<map>` is a variable of every request, and of the maps below it.',
      attributes: {},
      children: {
        map: {
          doc: 'A value translated through a table: `@NAME` is `from` rendered, then looked up in `values`.',
          repeat: true,
          attributes: {
            name: { doc: 'The variable it defines (`@NAME`).', kind: 'name', required: true, schema: identifier('a map name') },
            from: template('What is translated (template, e.g. `@call_direction`).', true),
            values: { doc: '`ours:theirs` pairs, comma-separated, case-insensitive (`inbound:INBOUND,outbound:OUTBOUND`). An empty `theirs` (`leads:`) is no value: an `optional` parameter built from it is left out.', kind: 'list', required: true },
            default: template('Used for a value the table does not list; without it the value passes unchanged.'),
          },
          children: {},
        },
      },
    },
    find_contact: {
      doc: 'Who is calling: the searches that look a number up, tried with each search variant of the number. Candidates are kept only when one of their phones ends with the caller\'s national number (at least 7 digits), since CRM searches over-match; then deduplicated by id, in order.',
      required: true,
      attributes: {
        mode: {
          doc: '`each`: run the searches once per `<variant>`, in order, until one gives a match (`@variant` is the current one). `every`: once per variant, all of them, keeping every match (a CRM whose search compares a number exactly as stored: Zoho\'s `phone=`, where two records may hold one number in two forms). `together`: run them once, every variant at hand as `@NAME`.',
          kind: 'enum',
          default: 'each',
          schema: enumOf(FIND_MODES, 'mode'),
        },
      },
      children: {
        variant: {
          doc: 'A form of the number as the CRM may have stored it; a template over `@number` (E.164) and `@national` (national significant digits): `@number`, `@number|national`, `@number|digits`, `@number|last:\'4\'`, `@number|pattern:\'(###) ###-####\'`. Known as `@NAME` too. Without variants the only one is `@number`.',
          repeat: true,
          attributes: {
            name: { doc: 'Variable name of this form.', kind: 'name', required: true, schema: identifier('a variant name') },
            value: template('The form (template).', true),
          },
          children: {},
        },
        search: {
          doc: 'One search (Vtiger Contacts, then Leads): a request and how its answer lists the candidates.',
          repeat: true,
          required: true,
          attributes: {
            name: { doc: 'Shown in errors (`Contacts`), and the `kind` of each contact it finds: `log_call` and `update_call` see it as `@call_contact_kind` (Vtiger links a Lead through another field than a Contact).', kind: 'literal' },
            fallback: { doc: '`true`: runs only while the searches that are no fallback have found no one, with this variant or an earlier one (Vtiger\'s and Zoho\'s Leads, for a caller no Contact has), one request fewer per known caller and variant; a record of this kind that holds a known caller\'s number too is then not offered.', kind: 'enum', default: 'false', schema: enumOf(['true', 'false'], 'fallback') },
          },
          children: {
            batch: {
              doc: 'Several numbers in one search request (issue 10: a burst of calls queued its lookups far beyond the first event\'s hold, one request each): the text, a template over one number\'s variables (`@number`, `@national`, `@variant` and the variants), is rendered once per number and the parts joined into `@NAME`, which the request reads instead of the number\'s own variables (Vtiger: `phone LIKE \'%{{@variant|sql}}\' OR mobile LIKE …`, joined by ` OR `; Salesforce\'s SOSL terms). Without text, the request\'s `<parameter type="array" each="NAME">` lists the numbers instead, an item per number (HubSpot\'s `IN` values in a JSON body). One number alone is one part. Each candidate of the answer goes to every number one of its `phones` matches. Without `<batch>`, a search carries one number.',
              text: true,
              attributes: {
                name: { doc: 'The variable holding the joined parts (`@NAME`), and the name a `<parameter each>` gives.', kind: 'name', required: true, schema: identifier('a batch name') },
                size: { doc: 'The most numbers one request carries (1 to 100): what the CRM\'s query takes, its length limits included.', kind: 'literal', required: true, schema: z.string().regex(/^(100|[1-9]\d?)$/, { message: 'size must be a whole number from 1 to 100' }) },
                join: { doc: 'Put between two numbers\' parts (` OR `); required with a text.', kind: 'literal' },
                limit: { doc: 'The most candidates one answer lists (Vtiger\'s query: 100 rows): an answer of a batch with that many may have left matches out, so its numbers are searched again one by one. Without it, an answer is taken as whole.', kind: 'literal', schema: z.string().regex(/^[1-9]\d{0,4}$/, { message: 'limit must be a whole number of candidates' }) },
              },
              children: {},
            },
            request: crmRequest('The search request.'),
            matches: {
              doc: 'The candidates in the answer. Inside, templates see each candidate\'s fields (and those of its `record`) as variables.',
              required: true,
              attributes: {
                list: { doc: 'Path of the list of candidates (`result`, `results`, `data`).', kind: 'path', required: true },
                record: { doc: 'Path, inside each candidate, of the object holding its fields (HubSpot `properties`).', kind: 'path' },
                phones: { doc: 'Comma-separated paths of the candidate\'s phone fields (each a phone or a list of phones: Pipedrive\'s `phones`), checked against the caller\'s number (required: searches over-match).', kind: 'list', required: true },
              },
              children: Object.fromEntries(Object.entries(matchFields).map(([name, doc]) => [name, valueField(doc)])),
            },
            follow_up: {
              doc: 'A request per candidate, for what the search does not give (Vtiger: the company from `account_id`). Its templates see the candidate\'s fields; the same request is sent once per lookup, and the relay keeps its answer for later lookups as long as a match (followUpTtlMs).',
              repeat: true,
              attributes: { when: { doc: 'Runs only for candidates whose field of this name is set.', kind: 'name', schema: nonEmpty('a field name') } },
              children: {
                request: crmRequest('The follow-up request.'),
                response: operationResponse('Sets candidate fields from the answer.', { name: matchFields.name, company: matchFields.company, url: matchFields.url }),
              },
            },
          },
        },
      },
    },
    log_call: {
      doc: 'Creates the call activity. Templates see the call as `@call_*` (see "CRM variables").',
      required: true,
      attributes: {},
      children: {
        request: crmRequest('The create request.'),
        response: operationResponse('What the answer gives.', { id: 'The created record\'s id (required).', url: 'Where it opens in the CRM (template; `@id` is the id).' }),
      },
    },
    update_call: {
      doc: 'Updates the activity `log_call` created (notes, disposition, recording, final status); `@record_id` is its id. Absent, or `supported="false"` (Pipedrive call logs are immutable): the relay logs once, when everything is known.',
      attributes: {
        supported: { doc: '`false`: the CRM cannot change a logged call.', kind: 'enum', default: 'true', schema: enumOf(['true', 'false'], 'supported') },
      },
      children: {
        request: crmRequest('The update request.', false),
        response: operationResponse('What the answer gives.', { url: 'Where the record opens (template; `@id` is the id).' }),
        relink: {
          doc: 'For a CRM whose update does not move the record\'s link to a contact (HubSpot keeps a call\'s associations through a PATCH of its properties): after the update, the record is linked to the call\'s contact (`@call_contact_id`) and to no other. `<link>` runs first, so a failure half-way leaves an extra link rather than none; the update is retried whole, and the listing makes the replay change only what is left. A call without a contact keeps its links.',
          attributes: {},
          children: {
            linked: {
              doc: 'Lists the contacts the record is linked to (`@record_id` is the record).',
              required: true,
              attributes: {
                list: { doc: 'Path of the list of links in the answer (`results`).', kind: 'path', required: true },
                id: { doc: 'Path, inside each link, of the linked contact\'s id (`toObjectId`).', kind: 'path', required: true },
              },
              children: { request: crmRequest('The listing request.') },
            },
            link: {
              doc: 'Links the record to the call\'s contact (`@call_contact_id`), sent only when the listing does not hold it.',
              required: true,
              attributes: {},
              children: { request: crmRequest('The link request.') },
            },
            unlink: {
              doc: 'Unlinks the record from one contact, sent once per listed contact other than the call\'s; `@linked_id` is that contact.',
              required: true,
              attributes: {},
              children: { request: crmRequest('The unlink request.') },
            },
          },
        },
      },
    },
    find_call: {
      doc: 'Finds the activity an earlier `log_call` of this call created, by a natural key the connector writes (a marker, an external id): the relay asks before creating again after a crash.',
      attributes: {
        when: { doc: 'Offered only when the config field of this name is set (HubSpot\'s unique call property, which an admin creates); without it the session has no find_call.', kind: 'name', schema: nonEmpty('a config field name') },
        missing: { doc: 'Comma-separated HTTP statuses that mean "no such activity" rather than a failure (HubSpot answers a read by an unknown unique value with 404).', kind: 'list' },
      },
      children: {
        request: crmRequest('The search request.'),
        response: operationResponse('What the answer gives; no `id` means no such activity.', { id: 'The record\'s id.', url: 'Where it opens (template; `@id` is the id).' }),
      },
    },
    find_user: {
      doc: 'Finds the CRM user an agent is, by the agent\'s email (`@call_agent_email`; `@call_agent_name` too), so that `log_call` records the call as theirs (`@call_agent_crm_id`: HubSpot\'s `hubspot_owner_id`, a Salesforce Task\'s `OwnerId`, Vtiger\'s `assigned_user_id`). The relay asks once per agent and keeps the answer (an hour; ten minutes for nobody); an agent without an email, or whom the CRM does not list, leaves `@call_agent_crm_id` unset, and so does a CRM that refuses the request (a token without the scope to read users): the call is logged all the same.',
      attributes: {
        list: { doc: 'Path of the list of users in the answer (`results`, `records`, `data`).', kind: 'path', required: true },
        email: { doc: 'Path, inside each user, of their email: the user is the one whose email is the agent\'s (case aside), whatever else the CRM\'s search matched.', kind: 'path', required: true },
        missing: { doc: 'Comma-separated HTTP statuses that mean "no such user" rather than a failure.', kind: 'list' },
        more: { doc: 'For a CRM that lists users by pages (Zoho\'s Users API, 200 a page): path, in the answer, of whether more follow (`info.more_records`). While it is `true`, or a cursor (a text other than `false`, which the next request sees as `@cursor`), and the agent is not on the page, the next page is asked; the request sees the page\'s number, from 1, as `@page`.', kind: 'path' },
        pages: { doc: 'With `more`: the most pages asked for one agent (1 to 100; default 10).', kind: 'literal', schema: z.string().regex(/^(100|[1-9]\d?)$/, { message: 'pages must be a whole number from 1 to 100' }) },
      },
      children: {
        request: crmRequest('The search request.'),
        response: operationResponse('Read inside the user found.', { id: 'The user\'s id in the CRM (required): `@call_agent_crm_id`.' }),
      },
    },
    dispositions: {
      doc: 'The call outcomes an agent may pick: declared `<disposition>`s, or a `<request>` that fetches them.',
      attributes: {
        list: { doc: 'With `<request>`: path of the list in the answer.', kind: 'path' },
        where: { doc: 'With `<request>`: `PATH=VALUE` keeps only the items whose PATH is VALUE (Zoho\'s fields list: `api_name=Call_Result`).', kind: 'literal' },
        options: { doc: 'With `<request>`: path of a list inside each item whose entries are the dispositions (Zoho: a field\'s `pick_list_values`).', kind: 'path' },
        label: { doc: 'With `<request>`: path of the label in each item (default: the item itself).', kind: 'path' },
        except: { doc: 'Comma-separated labels that are no choice, left out (Zoho\'s `-None-`).', kind: 'list' },
      },
      children: {
        disposition: { doc: 'One disposition (its text).', repeat: true, text: true, attributes: {}, children: {} },
        request: crmRequest('Fetches the list.', false),
      },
    },
    new_contact: {
      doc: 'The CRM\'s "new contact" form prefilled with the number, offered when nobody matches.',
      attributes: { url: template('The URL (template over `@number` and `@national`).', true) },
      children: {},
    },
  },
};

