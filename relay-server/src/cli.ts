import { parseArgs } from 'node:util';
import { openingHoursSchema, openNow, toE164 } from '@phone-connector/shared';
import { firstIssue } from './api/body.ts';
import { readReturnTime } from './calls/away-return.ts';
import { agentsOnCallAt } from './calls/routing.ts';
import { generateToken, hashToken, randomId } from './auth/token.ts';
import { type StoreFlags, startConfig, storeLocation, UsageError } from './config.ts';
import { describeHours, type HoursFlags, hoursFromFlags } from './instances/hours-text.ts';
import { createLogger } from './log.ts';
import { startRelay } from './server.ts';
import { type Agent, type Instance, presenceAfter, presenceAt, type RelayStore } from './store/index.ts';
import { openStore } from './store/open.ts';

const USAGE = `Usage:
  relay start [--port N] [--host H] [--public-url URL] [--db FILE | --database-url URL]
  relay agent add --name NAME --number E164 [--email E] [--admin] [--json] [--db FILE | --database-url URL]
  relay agent list [--json] [--db FILE | --database-url URL]
  relay agent remove AGENT_ID [--db FILE | --database-url URL]
  relay agent away AGENT_ID [--for 90m | --until TIME] | relay agent available AGENT_ID [--db FILE | --database-url URL]
  relay instance list [--json] [--db FILE | --database-url URL]
  relay instance hours INSTANCE --time-zone TZ [--weekdays RANGES] [--mon RANGES] … [--sun RANGES]
                       [--closed-on DATES] | --none [--db FILE | --database-url URL]

--admin: the instances this agent registers may route incoming calls to every agent (the
team's number); any other agent's instances reach that agent only.
away: the team's incoming calls leave the agent out while a colleague is available (as the
agent's own toolbar popup does), until they are made available (available), or until a return
time: --for 45m / 2h / 1h30m from now, or --until an ISO time (2026-12-07T14:00:00+01:00).
instance hours: the number's opening hours (outside them every agent counts as away), as
Options > Opening hours sets them; INSTANCE is its id in instance list (in_…). RANGES:
09:00-12:30,14:00-18:00, or closed; a day not given is closed; --weekdays is Monday to Friday,
a day's own flag wins. DATES: 2026-12-24,12-25,easter-2,easter+1. --none: open at all hours.

Environment: PORT, HOST, PUBLIC_URL, DATABASE_URL (postgres://USER:PASSWORD@HOST:PORT/DB), LOG_LEVEL, CRM_THREAD (on|off), CRM_SIGN_IN_AHEAD (on|off),
CRM_WRAP_UP_SECONDS (how long a Pipedrive log waits for the wrap-up; default 300),
PROVIDER_ORIGINS (where requests to a provider's API go instead: https://api.twilio.com=https://egress.internal:8443),
PG_FAR_ROUND_TRIP_MS (PostgreSQL: from which shortest round trip the database counts as far; default 3).
Default store: ./data/relay.db (SQLite).
See docs/relay.md.`;

const STORE_OPTIONS = { db: { type: 'string' }, 'database-url': { type: 'string' } } as const;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
}

const processIo: Io = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`), env: process.env };

/** Runs a relay command; resolves to the exit code (`start` resolves once the relay is up). */
export async function runRelayCli(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const [command, sub, ...rest] = argv;
    if (command === 'start') return await start([sub, ...rest].filter((a): a is string => a !== undefined), io);
    if (command === 'agent' && sub === 'add') return await agentAdd(rest, io);
    if (command === 'agent' && sub === 'list') return await agentList(rest, io);
    if (command === 'agent' && sub === 'remove') return await agentRemove(rest, io);
    if (command === 'agent' && (sub === 'away' || sub === 'available')) return await agentPresence(sub, rest, io);
    if (command === 'instance' && sub === 'list') return await instanceList(rest, io);
    if (command === 'instance' && sub === 'hours') return await instanceHours(rest, io);
    if (command === 'help' || command === '--help' || command === undefined) {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}"`);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`relay: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`relay: ${(error as Error).message}`);
    return 1;
  }
}

async function start(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...STORE_OPTIONS, port: { type: 'string' }, host: { type: 'string' }, 'public-url': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const config = startConfig(values, io.env);
  const log = createLogger({ level: config.logLevel });
  const relay = await startRelay({ ...config, log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('signal received', { signal });
    void relay.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return 0;
}

async function agentAdd(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...STORE_OPTIONS, name: { type: 'string' }, number: { type: 'string' }, email: { type: 'string' }, admin: { type: 'boolean' }, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  const name = values.name?.trim();
  if (!name || name.length > 200) throw new UsageError('--name is required (at most 200 characters)');
  if (!values.number) throw new UsageError('--number is required, in E.164 form: +14155550100');
  const number = toE164(values.number);
  if (!number) throw new UsageError(`--number "${values.number}" is not a phone number in E.164 form (+14155550100)`);
  if (values.email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(values.email)) throw new UsageError(`--email "${values.email}" is not an e-mail address`);
  const token = generateToken();
  const agent = await withStore(values, io, (store) =>
    store.addAgent({ id: randomId('ag_'), name, number, email: values.email ?? null, admin: values.admin ?? false, tokenHash: hashToken(token), createdAt: new Date().toISOString() }),
  );
  if (values.json) io.out(JSON.stringify({ ...agentJson(agent), token }));
  else io.out(`Added agent ${agent.id} (${agent.name}, ${agent.number}).\nToken, shown only this once; paste it into the extension's options (Relay):\n${token}`);
  return 0;
}

async function agentList(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { ...STORE_OPTIONS, json: { type: 'boolean' } }, strict: true, allowPositionals: false });
  // Who is on a call as routing reads it: the team's calls leave them out while a colleague is free.
  const [agents, onCalls] = await withStore(values, io, async (store) => [await store.listAgents(), await agentsOnCallAt(store, new Date())] as const);
  if (values.json) io.out(JSON.stringify(agents.map((a) => ({ ...agentJson(a), on_call: onCalls.has(a.id) }))));
  else if (agents.length === 0) io.out('No agents yet: relay agent add --name NAME --number +14155550100');
  else {
    for (const a of agents) {
      const { away_since: since, away_until: until } = presenceAt(a, new Date());
      const presence = [since ? `away since ${since}${until ? ` until ${until}` : ''}` : 'available', onCalls.has(a.id) && 'on a call'].filter(Boolean).join(', ');
      io.out([a.id, a.name, a.number, a.email ?? '-', a.admin ? 'admin' : 'agent', a.createdAt, presence].join('\t'));
    }
  }
  return 0;
}

/** `agent away` / `agent available`: what the agent's toolbar popup says, said for them (an agent who left without saying so). */
async function agentPresence(presence: 'away' | 'available', args: string[], io: Io): Promise<number> {
  const options = presence === 'away' ? { ...STORE_OPTIONS, for: { type: 'string' }, until: { type: 'string' } } as const : STORE_OPTIONS;
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError(`give the id of one agent to mark ${presence} (see relay agent list)`);
  const id = positionals[0]!;
  const now = new Date();
  const until = returnTime(values as { for?: string; until?: string }, now);
  const updated = await withStore(values, io, async (store) => {
    const agent = await store.agentById(id);
    if (!agent) return undefined;
    return store.updateAgent(id, presenceAfter(agent, presence === 'away', now, until ?? null));
  });
  if (!updated) {
    io.err(`relay: no agent ${id}`);
    return 1;
  }
  const back = updated.awayUntil ? ` until ${updated.awayUntil}, then available again` : '';
  io.out(updated.awaySince ? `${updated.name} (${id}) is away since ${updated.awaySince}${back}: the team's calls ring the others.` : `${updated.name} (${id}) is available: the team's calls ring them again.`);
  return 0;
}

/** `--for 1h30m` or `--until TIME`: the return time they give, checked as the API checks it. */
function returnTime(flags: { for?: string; until?: string }, now: Date): string | undefined {
  if (flags.for !== undefined && flags.until !== undefined) throw new UsageError('give --for or --until, not both');
  let text = flags.until;
  if (flags.for !== undefined) {
    const parts = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(flags.for.trim());
    if (!parts || (!parts[1] && !parts[2])) throw new UsageError(`--for "${flags.for}" is not a duration: 45m, 2h, 1h30m`);
    text = new Date(now.getTime() + (Number(parts[1] ?? 0) * 60 + Number(parts[2] ?? 0)) * 60_000).toISOString();
  }
  if (text === undefined) return undefined;
  const read = readReturnTime(text, now);
  if ('error' in read) throw new UsageError(`--${flags.for !== undefined ? 'for' : 'until'}: ${read.error}`);
  return read.at;
}

async function agentRemove(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: STORE_OPTIONS, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('give the id of one agent to remove (see relay agent list)');
  const id = positionals[0]!;
  const removed = await withStore(values, io, (store) => store.removeAgent(id));
  if (!removed) {
    io.err(`relay: no agent ${id}`);
    return 1;
  }
  io.out(`Removed agent ${id}, its instances and its event log.`);
  return 0;
}

/** Every agent's instances (the numbers the relay takes webhooks for), with their CRM and opening hours. */
async function instanceList(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { ...STORE_OPTIONS, json: { type: 'boolean' } }, strict: true, allowPositionals: false });
  const owned = await withStore(values, io, async (store) => (await Promise.all((await store.listAgents()).map(async (agent) => (await store.instancesOf(agent.id)).map((instance) => ({ agent, instance }))))).flat());
  const now = new Date();
  if (values.json) io.out(JSON.stringify(owned.map(({ agent, instance }) => instanceJson(agent, instance, now))));
  else if (owned.length === 0) io.out("No instances yet: an agent's extension registers one when its Options are saved.");
  else for (const { agent, instance } of owned) io.out([instance.uid, `${agent.name} (${agent.id})`, instance.localId, instance.connector, instance.crm?.connector ?? '-', hoursLine(instance, now)].join('\t'));
  return 0;
}

/** `instance hours`: sets (or removes) a number's opening hours, checked as `PUT /instances/:id {hours}` checks them. */
async function instanceHours(args: string[], io: Io): Promise<number> {
  const days = Object.fromEntries(['weekdays', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, { type: 'string' }] as const));
  const { values, positionals } = parseArgs({ args, options: { ...STORE_OPTIONS, ...days, 'time-zone': { type: 'string' }, 'closed-on': { type: 'string' }, none: { type: 'boolean' } }, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('give the id of one instance (see relay instance list)');
  const flags = values as HoursFlags & { none?: boolean };
  const given = Object.keys(flags).filter((flag) => flag !== 'none' && flag !== 'db' && flag !== 'database-url');
  if (flags.none && given.length) throw new UsageError(`--none removes the hours: give it alone, not with --${given[0]}`);
  if (!flags.none && !flags['time-zone']) throw new UsageError('give --time-zone (Europe/Paris) and the days open, or --none for open at all hours');
  let hours = null;
  if (!flags.none) {
    let input;
    try {
      input = hoursFromFlags(flags);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const parsed = openingHoursSchema.safeParse(input);
    if (!parsed.success) throw new UsageError(firstIssue(parsed.error, ['hours']));
    hours = parsed.data;
  }
  const uid = positionals[0]!;
  const saved = await withStore(values, io, async (store) => {
    const found = await store.instanceWithOwner(uid);
    if (!found) return undefined;
    const { instance } = found;
    const xml = instance.connector === 'custom' ? ((await store.connectorXml(uid))?.xml ?? null) : null;
    const updated = await store.putInstance({ agentId: instance.agentId, localId: instance.localId, connector: instance.connector, xml, config: instance.config, crm: instance.crm, hours, at: new Date().toISOString() }, instance);
    return { ...found, instance: updated };
  });
  if (!saved) {
    io.err(`relay: no instance ${uid} (see relay instance list)`);
    return 1;
  }
  io.out(`${saved.owner.name}'s ${saved.instance.localId} (${uid}): ${hoursLine(saved.instance, new Date())}.`);
  return 0;
}

/** An instance's hours in a line, with whether it is open now: `Europe/Paris; mon-fri 09:00-17:00; open now, until 2026-…`. */
function hoursLine(instance: Instance, now: Date): string {
  if (!instance.hours) return 'open at all hours';
  const { open, until } = openNow(instance.hours, now);
  return `${describeHours(instance.hours)}; ${open ? 'open' : 'closed'} now${until ? `, until ${until}` : ''}`;
}

function instanceJson(agent: Agent, instance: Instance, now: Date) {
  return { uid: instance.uid, agent_id: agent.id, id: instance.localId, connector: instance.connector, crm: instance.crm?.connector ?? null, hours: instance.hours, open_now: instance.hours && openNow(instance.hours, now) };
}

async function withStore<T>(flags: StoreFlags, io: Io, work: (store: RelayStore) => Promise<T>): Promise<T> {
  const store = await openStore(storeLocation(flags, io.env));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function agentJson(agent: Agent) {
  return { id: agent.id, name: agent.name, number: agent.number, email: agent.email, admin: agent.admin, created_at: agent.createdAt, ...presenceAt(agent, new Date()) };
}
