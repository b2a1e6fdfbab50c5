/**
 * `phone-connector validate|outgoing|callback|crm`: check a connector, dry-run the request it
 * would send, run a recorded webhook through it, or show a CRM connector's requests. Node only; the engine it drives is not.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  callbackEventOfField,
  checkAnyConnector,
  checkConnector,
  type ConnectorPlan,
  ConnectorRuntimeError,
  dryRunHangup,
  dryRunRequest,
  formatDiagnostic,
  replayWebhook,
  type RunContext,
  WEBHOOK_EVENTS,
  WebhookError,
  type WebhookEvent,
} from '../src/index.ts';
import { crmCommand, type CrmCliIo } from './crm.ts';
import { InputError, readInput, UsageError } from './input.ts';

const USAGE = `Usage:
  phone-connector validate FILE...
  phone-connector outgoing FILE --config CFG.json --to NUMBER [--vars VARS.json] [--country CC] [--show-secrets]
  phone-connector hangup FILE --config CFG.json --call-id ID [--to NUMBER] [--vars VARS.json] [--country CC] [--show-secrets]
  phone-connector callback FILE --event answer|status|incoming --config CFG.json --payload FILE
                  [--content-type TYPE] [--url URL] [--vars VARS.json] [--dial NUMBER,...] [--country CC]
  phone-connector crm FILE --config CFG.json (--find NUMBER | --log CALL.json |
                  --update CALL.json --record ID | --find-call CALL.json | --find-user EMAIL |
                  --dispositions)
                  [--responses DIR | --live] [--country CC] [--show-secrets]

crm prints the HTTP requests a CRM connector's operation sends and its result. Each request
is answered from DIR/<step>.json (the body, HTTP 200) or DIR/<step>.http.json ({status,
headers, body}); steps are token-<name>, find_contact-<search>, follow_up-<search>, log_call,
update_call, find_call, find_user, dispositions.
Without a file, token steps get a stand-in token, log_call a stand-in id (<id>) and the
others {}. --live sends them.

VARS.json holds the agent profile and runtime values: {"extension": "+14155550111",
"email": "...", "callerid": "...", "user_<field>": "...", "answer_callback": "https://..."}.`;

const StringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readFile(path: string): string;
}

const nodeIo: CrmCliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readFile: (path) => readFileSync(path, 'utf8'),
  fetch: (url, init) => fetch(url, init),
};

/**
 * Runs the CLI; returns the exit code (0 ok, 1 connector or runtime error, 2 usage): at once,
 * or, for `crm`, which may use the network, once it is done.
 */
export function runConnectorCli(argv: string[], io: CliIo | CrmCliIo = nodeIo): number | Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && rest.some((arg) => arg === '--help' || arg === '-h')) {
    io.out(USAGE);
    return 0;
  }
  if (command === 'crm') {
    const crmIo: CrmCliIo = 'fetch' in io ? io : { ...io, fetch: nodeIo.fetch };
    return crmCommand(rest, crmIo).catch((error: unknown) => failure(error, io));
  }
  try {
    switch (command) {
      case 'validate':
        return validate(rest, io);
      case 'outgoing':
        return outgoing(rest, io);
      case 'hangup':
        return hangup(rest, io);
      case 'callback':
        return callback(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    return failure(error, io);
  }
}

/** The exit code of a command that threw: 2 for usage (ours or the argument parser's), 1 for bad input; anything else is a bug and propagates. */
function failure(error: unknown, io: CliIo): number {
  // node:util parseArgs refuses unknown options and missing option values with these codes.
  if (error instanceof UsageError || (error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_'))) {
    io.err(`${error.message}\n${USAGE}`);
    return 2;
  }
  if (error instanceof ConnectorRuntimeError || error instanceof WebhookError || error instanceof InputError) {
    io.err(`error: ${error.message}`);
    return 1;
  }
  throw error;
}

function validate(args: string[], io: CliIo): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new UsageError('validate needs at least one FILE');
  let failed = false;
  for (const file of positionals) {
    const result = checkAnyConnector(readInput(io, file, 'connector'), { file });
    for (const diagnostic of result.diagnostics) (diagnostic.severity === 'error' ? io.err : io.out)(formatDiagnostic(diagnostic));
    if (result.plan) {
      const warnings = result.plan.warnings.length;
      io.out(`${file}: ok${result.kind === 'CRM' ? ' (CRM connector)' : ''}${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`);
    } else failed = true;
  }
  return failed ? 1 : 0;
}

function outgoing(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: 'string' }, to: { type: 'string' }, vars: { type: 'string' }, country: { type: 'string' }, 'show-secrets': { type: 'boolean' } },
  });
  const file = single(positionals, 'outgoing');
  if (!values.config || !values.to) throw new UsageError('outgoing needs --config and --to');
  const plan = load(file, io);
  if (!plan) return 1;
  const context = runContext(io, values.config, values.vars, values.country);
  io.out(JSON.stringify(dryRunRequest(plan, context, values.to, { showSecrets: values['show-secrets'] }), null, 2));
  return 0;
}

/** The request that would end a call placed through the connector (its `<hangup>`), as `outgoing` shows a call's. */
function hangup(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: 'string' }, 'call-id': { type: 'string' }, to: { type: 'string' }, vars: { type: 'string' }, country: { type: 'string' }, 'show-secrets': { type: 'boolean' } },
  });
  const file = single(positionals, 'hangup');
  if (!values.config || !values['call-id']) throw new UsageError('hangup needs --config and --call-id');
  const plan = load(file, io);
  if (!plan) return 1;
  const context = runContext(io, values.config, values.vars, values.country);
  io.out(JSON.stringify(dryRunHangup(plan, context, { callId: values['call-id'], ...(values.to ? { toNumber: values.to } : {}) }, { showSecrets: values['show-secrets'] }), null, 2));
  return 0;
}

function callback(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      event: { type: 'string' },
      config: { type: 'string' },
      payload: { type: 'string' },
      'content-type': { type: 'string' },
      url: { type: 'string' },
      vars: { type: 'string' },
      dial: { type: 'string' },
      country: { type: 'string' },
    },
  });
  const file = single(positionals, 'callback');
  const event = values.event as WebhookEvent | undefined;
  if (!event || !WEBHOOK_EVENTS.includes(event)) throw new UsageError(`--event must be one of: ${WEBHOOK_EVENTS.join(', ')}`);
  if (!values.config || !values.payload) throw new UsageError('callback needs --config and --payload');
  const plan = load(file, io);
  if (!plan) return 1;
  const context = runContext(io, values.config, values.vars, values.country);
  const body = readInput(io, values.payload, 'payload');
  const contentType = values['content-type'] ?? contentTypeFor(values.payload);
  const dialNumbers = values.dial?.split(',').map((n) => n.trim()).filter(Boolean);
  const result = replayWebhook(plan, event, { url: values.url, contentType, body }, context, { dialNumbers });
  io.out(JSON.stringify({ record: result.record, ...(result.status ? { status: result.status } : {}), reply: result.reply }, null, 2));
  return 0;
}

function single(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one connector FILE`);
  return positionals[0]!;
}

function load(file: string, io: CliIo): ConnectorPlan | undefined {
  const result = checkConnector(readInput(io, file, 'connector'), { file });
  for (const diagnostic of result.diagnostics) if (diagnostic.severity === 'error') io.err(formatDiagnostic(diagnostic));
  return result.plan;
}

function readJsonMap(io: CliIo, path: string, what: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readInput(io, path, what));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${what} file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const checked = StringMap.safeParse(parsed);
  if (!checked.success) throw new InputError(`${what} file ${path} must be a JSON object of strings`);
  return checked.data;
}

const AGENT_KEYS = new Set(['extension', 'email', 'callerid']);

/** Config from CFG.json; agent profile, callback URLs and other variables from VARS.json. */
function runContext(io: CliIo, configPath: string, varsPath: string | undefined, country: string | undefined): RunContext {
  const config = readJsonMap(io, configPath, 'config');
  const vars = varsPath ? readJsonMap(io, varsPath, 'vars') : {};
  const context: RunContext = { config, agent: { fields: {} }, callbacks: {}, vars: {}, defaultCountry: country ?? vars.country ?? 'US' };
  for (const [key, value] of Object.entries(vars)) {
    const callbackEvent = callbackEventOfField(key);
    if (AGENT_KEYS.has(key)) context.agent![key as 'extension'] = value;
    else if (key.startsWith('user_')) context.agent!.fields![key.slice(5)] = value;
    else if (callbackEvent) context.callbacks![callbackEvent] = value;
    else if (key !== 'country') context.vars![key] = value;
  }
  return context;
}

function contentTypeFor(path: string): string | undefined {
  switch (extname(path).toLowerCase()) {
    case '.form':
      return 'application/x-www-form-urlencoded';
    case '.json':
      return 'application/json';
    case '.xml':
      return 'text/xml';
    default:
      return undefined;
  }
}
