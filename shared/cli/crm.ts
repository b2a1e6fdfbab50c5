/**
 * `phone-connector crm FILE --config CFG.json --find NUMBER | --log CALL.json | --update
 * CALL.json --record ID | --find-call CALL.json | --find-user EMAIL | --dispositions`: the HTTP requests a CRM connector's operation
 * sends, in order, as JSON, secrets redacted. By default nothing leaves the machine: each
 * request is answered from `--responses DIR` (recorded answers, named by step) or, where none is
 * recorded, with a stand-in; `--live` sends them.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { checkCrmConnector, type CrmCall, type CrmConnectorPlan, type CrmOutcome, type CrmSession, formatDiagnostic, memoryTokenCache, openCrmSession, type TokenCache, toE164 } from '../src/index.ts';
import { recordingFetch, type RecordedRequest, type RecordedResponse } from '../src/crm/recorded-crm.ts';
import { redactRequest, redactSecretParameters, secretValues, worthMasking } from '../src/runtime/redact.ts';
import type { Fetch } from '../src/runtime/http.ts';
import { CALL_STATUSES } from '../src/record/call-status.ts';
import { InputError, readInput, UsageError } from './input.ts';

export interface CrmCliIo {
  out(line: string): void;
  err(line: string): void;
  /** Throws (with `code` ENOENT) when the file does not exist. */
  readFile(path: string): string;
  /** The network, for `--live`. */
  fetch: Fetch;
}

const callSchema = z.object({
  id: z.number().int(),
  call_id: z.string().min(1),
  direction: z.enum(['inbound', 'outbound']),
  customer_number: z.string().min(1),
  agent_number: z.string().nullable().default(null),
  agent_name: z.string().nullable().default(null),
  agent_email: z.string().nullable().default(null),
  agent_crm_id: z.string().nullable().default(null),
  status: z.enum(CALL_STATUSES).nullable().default(null),
  started_at: z.string().nullable().default(null),
  ended_at: z.string().nullable().default(null),
  duration: z.number().nonnegative().nullable().default(null),
  notes: z.string().nullable().default(null),
  disposition: z.string().nullable().default(null),
  recording_url: z.string().nullable().default(null),
  contact_id: z.string().nullable().default(null),
  contact_kind: z.string().nullable().default(null),
}) satisfies z.ZodType<CrmCall, unknown>;

export async function crmCommand(args: string[], io: CrmCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      find: { type: 'string' },
      log: { type: 'string' },
      update: { type: 'string' },
      record: { type: 'string' },
      'find-call': { type: 'string' },
      'find-user': { type: 'string' },
      dispositions: { type: 'boolean' },
      responses: { type: 'string' },
      live: { type: 'boolean' },
      country: { type: 'string' },
      'show-secrets': { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('crm takes exactly one connector FILE');
  const operations = [values.find, values.log, values.update, values['find-call'], values['find-user'], values.dispositions].filter((value) => value !== undefined);
  if (!values.config || operations.length !== 1) throw new UsageError('crm needs --config and one of --find NUMBER, --log CALL.json, --update CALL.json --record ID, --find-call CALL.json, --find-user EMAIL or --dispositions');
  if ((values.update === undefined) !== (values.record === undefined)) throw new UsageError('--update CALL.json and --record ID (the CRM id of the logged call) go together');
  if (values.live && values.responses) throw new UsageError('--live sends the requests; --responses answers them from files: pick one');
  if (values.responses) checkResponsesFolder(io, values.responses);
  const file = positionals[0]!;
  const checked = checkCrmConnector(readInput(io, file, 'connector'), { file });
  for (const diagnostic of checked.diagnostics) if (diagnostic.severity === 'error') io.err(formatDiagnostic(diagnostic));
  if (!checked.plan) return 1;
  const country = values.country ?? 'US';
  // The session looks a non-number up as nobody (an internal extension): here that would read as "no match".
  if (values.find !== undefined && !toE164(values.find, country)) throw new InputError(`--find "${values.find}" is not a phone number in ${country}: give it in E.164 (+14155550100) or add --country CC`);
  const plan = checked.plan;
  const config = readJson(io, values.config, 'config', z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)));
  const callFile = values.log ?? values.update ?? values['find-call'];
  const call = callFile === undefined ? undefined : readJson(io, callFile, 'call', callSchema);

  const tokens = recordingTokenCache(new Set(plan.crm.auth.flatMap((method) => (method.kind === 'token' && method.name ? [method.name] : []))));
  const network = values.live ? liveFetch(io.fetch) : recordingFetch((request) => recordedAnswer(plan, io, values.responses, request));
  const session = openCrmSession(plan, { config, fetch: network.fetch, tokenCache: tokens.cache, defaultCountry: country });
  const result = await runOperation(session, values, call, plan.findCall?.when);
  const secrets = [...secretValues(plan, config), ...tokens.values];
  const requests = network.requests.map((r) => {
    const { step, ...request } = r;
    // Credential-named parameters first, while the URL is whole: a secret may be the URL's base itself (Bitrix24's webhook).
    const shown = values['show-secrets'] ? request : redactRequest(redactSecretParameters(request), secrets);
    return { step, ...shown };
  });
  io.out(JSON.stringify({ requests, result }, null, 2));
  return result.ok ? 0 : 1;
}

/** The one operation the flags ask for. */
async function runOperation(session: CrmSession, flags: { find?: string; update?: string; record?: string; 'find-call'?: string; 'find-user'?: string; dispositions?: boolean }, call: CrmCall | undefined, findCallNeeds: string | undefined): Promise<CrmOutcome<unknown>> {
  if (flags.find !== undefined) return session.findContacts(flags.find);
  if (flags['find-user'] !== undefined) {
    if (!session.findUser) throw new InputError(`${session.name} has no <find_user>: it cannot tell which CRM user an agent is`);
    return session.findUser(flags['find-user']);
  }
  if (flags.dispositions) return session.dispositions();
  if (flags.update !== undefined) return session.updateCall(flags.record!, call!);
  if (flags['find-call'] !== undefined) {
    if (!session.findCallLog && findCallNeeds) throw new InputError(`${session.name}'s <find_call> needs the config field ${findCallNeeds}: without it, a logged call cannot be found again`);
    if (!session.findCallLog) throw new InputError(`${session.name} has no <find_call>: it cannot find a logged call again`);
    return session.findCallLog(call!);
  }
  return session.logCall(call!);
}

/**
 * The recorded answer to a request, from `DIR/<step>.json` (the body, HTTP 200) or
 * `DIR/<step>.http.json` (`{status, headers?, body}`). Without one, a token step gets a stand-in
 * token (`<session>`) at its path so the chain goes on, `log_call` a stand-in id (`<id>`), and any
 * other step an empty success.
 */
function recordedAnswer(plan: CrmConnectorPlan, io: CrmCliIo, dir: string | undefined, request: RecordedRequest): RecordedResponse {
  const step = request.step ?? 'request';
  if (dir) {
    const full = optional(io, join(dir, `${step}.http.json`));
    if (full !== undefined) {
      const parsed = parseJson(full, `${step}.http.json`) as { status?: unknown; headers?: Record<string, string>; body?: unknown };
      if (typeof parsed.status !== 'number') throw new InputError(`${join(dir, `${step}.http.json`)} needs a numeric "status"`);
      return { status: parsed.status, headers: parsed.headers ?? {}, body: typeof parsed.body === 'string' ? parsed.body : JSON.stringify(parsed.body ?? '') };
    }
    const body = optional(io, join(dir, `${step}.json`));
    if (body !== undefined) return { status: 200, headers: { 'content-type': 'application/json' }, body };
  }
  // A stand-in passes the envelope's success check, so the dry run goes on to the next request.
  const answer: Record<string, unknown> = {};
  const { success } = plan.crm.envelope;
  if (success) setPath(answer, success.segments, plan.crm.envelope.in?.[0] ?? 'true');
  // A created record's id likewise, so that `--log` reads as the log it would create rather than as a CRM answering without an id.
  const createdId = plan.logCall.response.id?.use;
  if (step === 'log_call' && createdId) setPath(answer, createdId.segments, '<id>');
  const token = plan.crm.auth.find((method, index) => method.kind === 'token' && `token-${method.name ?? index}` === step);
  if (token?.kind !== 'token') return { status: 200, body: JSON.stringify(answer) };
  setPath(answer, token.path.segments, `<${token.name ?? 'token'}>`);
  for (const value of token.values) setPath(answer, value.use.segments, `<${value.name}>`);
  return { status: 200, body: JSON.stringify(answer) };
}

/** A mistyped `--responses` folder would answer every request with a stand-in, and the output would look like the CRM's. */
function checkResponsesFolder(io: CrmCliIo, dir: string): void {
  try {
    io.readFile(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return;
    throw new InputError(`cannot read the --responses folder ${dir}: ${code ?? (error as Error).message}`);
  }
  throw new InputError(`--responses takes the folder of recorded answers (DIR/<step>.json), not the file ${dir}`);
}

/** The real network, recording what was sent, for `--live`. */
function liveFetch(fetch: Fetch): { fetch: Fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  return {
    requests,
    fetch: (url, init) => {
      const { step, ...sent } = init;
      requests.push({ ...(step ? { step } : {}), url, ...sent });
      return fetch(url, sent);
    },
  };
}

/**
 * A token cache that remembers every token it held (the chain's last, and the named ones), so the output can redact them,
 * those worth masking (worthMasking: not Odoo's user id, `2`), as the session's error messages do.
 */
function recordingTokenCache(tokenNames: Set<string>): { cache: TokenCache; values: string[] } {
  const inner = memoryTokenCache();
  const values: string[] = [];
  return {
    values,
    cache: {
      get: inner.get,
      delete: inner.delete,
      set: (key, token) => {
        const held = [token.token, ...Object.entries(token.values ?? {}).flatMap(([name, value]) => (tokenNames.has(name) ? [value] : []))];
        values.push(...held.filter(worthMasking));
        inner.set(key, token);
      },
    },
  };
}

function setPath(target: Record<string, unknown>, segments: string[], value: string): void {
  let at: Record<string, unknown> = target;
  for (const [i, segment] of segments.entries()) {
    if (i === segments.length - 1) at[segment] = value;
    else at = (at[segment] ??= {}) as Record<string, unknown>;
  }
}

function optional(io: CrmCliIo, path: string): string | undefined {
  try {
    return io.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function readJson<T>(io: CrmCliIo, path: string, what: string, schema: z.ZodType<T>): T {
  const checked = schema.safeParse(parseJson(readInput(io, path, what), `${what} file ${path}`));
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new InputError(`${what} file ${path}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return checked.data;
}
