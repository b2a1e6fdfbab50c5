/**
 * `npx tsx tests/bench/crm-step-probe.ts <other tree> [--crm vtiger|hubspot] [--steps N] [--rounds N] [--http] [--lookups]`:
 * the main thread's CPU per CRM log step, this tree's engine against another's (a clone of main
 * with its node_modules), in one process (issue 10). Each tree opens the connector's session
 * (logged in once, before the clock); each round writes N calls' logs (`log_call`), then updates
 * them (`update_call`, with HubSpot's relink listing), one at a time as the outbox's steps do, the
 * trees taking turns every 50 steps; with `--lookups`, each round looks N callers up instead
 * (`find_contact`, one at a time as a new call's lookup does: the CRM finds one contact, and
 * Vtiger's follow-up reads its account);
 * each caller's number was read before, as its lookup read it. The CRM answers at once from this
 * process (the engine's CPU alone: building the request, the token chain from its cache, reading
 * the answer), or with `--http` through the tree's CRM network (crm-http.ts) from a server in a
 * process of its own at nice 19 (the engine and node:http). Answers are a CRM's sizes: Vtiger's
 * create and revise give back the whole Event. A check of the step's own CPU, steadier than a
 * relay under load on a shared machine; not figures for the docs.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, setPriority } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrmCall, CrmSession, Fetch } from '@phone-connector/shared';
import { threadRunUs } from './cpu-account.ts';
import { otherTreeArg, positiveIntegerFlag } from './flags.ts';
import { inTurn } from './in-turn.ts';
import { median } from './relay-crm.ts';

const args = process.argv.slice(2);
const crmAt = args.indexOf('--crm');
const crm = crmAt < 0 ? 'vtiger' : args[crmAt + 1];
if (crm !== 'vtiger' && crm !== 'hubspot') throw new Error(`--crm takes vtiger or hubspot, got ${crm}`);

const VTIGER_CONFIG = { url: 'https://crm.example.com', username: 'admin', accesskey: 'kT9xQ2mZpL4vR8sW' };
const HUBSPOT_CONFIG = { token: 'pat-na1-0b9a8c7d-1234-4e5f-9a8b-0c1d2e3f4a5b', portal_id: '4420173', owner_id: '77', call_id_property: 'relay_call_id' };

/** An Event as Vtiger's create and revise give it back: every field of the record. */
const VTIGER_EVENT = {
  subject: 'Inbound call from +14155550142', assigned_user_id: '19x1', date_start: '2026-12-01', time_start: '10:00:00', time_end: '10:01:00', due_date: '2026-12-01', recurringtype: '',
  duration_hours: '0', duration_minutes: '1', parent_id: '', eventstatus: 'Held', sendnotification: '0', activitytype: 'Call', location: '', createdtime: '2026-12-01 10:01:02',
  modifiedtime: '2026-12-01 10:01:02', taskpriority: '', notime: '0', visibility: 'Public', modifiedby: '19x1', description: 'Duration: 60 s, agent Agent\n[relay-call:CA0123456789abcdef0123456789abcdef]',
  contact_id: '12x34', reminder_time: '0', created_user_id: '19x1', source: 'WEBSERVICE', starred: '0', tags: '', id: '18x5012',
};

/** What the CRM answers a request: method and URL (or form body) say which. */
function answerTo(method: string, url: string, body: string | undefined): string {
  if (crm === 'vtiger') {
    // A query finds the caller whose number ends with the digits it asks for; a retrieve reads the contact's account.
    const last4 = url.includes('operation=query') ? /LIKE\+%27%25(\d{4})%27/.exec(url)?.[1] : undefined;
    if (last4) return JSON.stringify({ success: true, result: [{ id: `12x${last4}`, firstname: 'Caller', lastname: last4, phone: `(415) 555-${last4}`, mobile: '', homephone: '', otherphone: '', account_id: '11x7' }] });
    if (url.includes('operation=retrieve')) return JSON.stringify({ success: true, result: { accountname: 'Acme Corp', account_no: 'ACC7', phone: '', website: '', assigned_user_id: '19x1', id: '11x7' } });
    if (url.includes('operation=getchallenge')) return JSON.stringify({ success: true, result: { token: '5f1c2a3b4d5e6f70', serverTime: 1764583200, expireTime: 1764583500 } });
    if (body?.startsWith('operation=login')) return JSON.stringify({ success: true, result: { sessionName: '6d1c59a1b2c3d4e5f6', userId: '19x1', version: '0.22', vtigerVersion: '7.5.0' } });
    return JSON.stringify({ success: true, result: VTIGER_EVENT });
  }
  if (url.endsWith('/contacts/search')) {
    const number = /"(\+\d+)"/.exec(body ?? '')?.[1] ?? '';
    return JSON.stringify({ total: 1, results: [{ id: '4012', properties: { firstname: 'Caller', lastname: number.slice(-4), company: 'Acme Corp', phone: number, mobilephone: null, hs_object_id: '4012' }, createdAt: '2026-11-01T09:00:00.000Z', updatedAt: '2026-11-01T09:00:00.000Z', archived: false }] });
  }
  if (method === 'GET') return JSON.stringify({ results: [{ toObjectId: 4012, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 194, label: null }] }] });
  return JSON.stringify({ id: '51234567890', properties: { hs_call_status: 'COMPLETED', hs_call_duration: '60000', hs_createdate: '2026-12-01T10:01:02.113Z', hs_lastmodifieddate: '2026-12-01T10:01:02.113Z', hs_object_id: '51234567890', hs_timestamp: '2026-12-01T10:00:00.000Z' }, createdAt: '2026-12-01T10:01:02.113Z', updatedAt: '2026-12-01T10:01:02.113Z', archived: false });
}

if (args.includes('--serve')) {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(answerTo(request.method!, request.url!, Buffer.concat(chunks).toString('utf8'))));
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => server.close(() => process.exit(0)));
  server.on('close', () => server.closeAllConnections());
} else {
  const other = otherTreeArg(args, 'crm-step-probe.ts <other tree> [--crm vtiger|hubspot] [--steps N] [--rounds N] [--http]');
  const steps = positiveIntegerFlag(args, '--steps', 2000);
  const rounds = positiveIntegerFlag(args, '--rounds', 5);
  const overHttp = args.includes('--http');
  const lookups = args.includes('--lookups');

  let origin = 'https://crm.example.com';
  const child = overHttp ? fork(fileURLToPath(import.meta.url), ['--serve', ...args], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }) : undefined;
  if (child) {
    // The server's CPU is not measured, but at the same priority it would take the probe's core.
    setPriority(child.pid!, constants.priority.PRIORITY_LOW);
    origin = `http://127.0.0.1:${await new Promise<number>((resolve) => child.once('message', (message: { port: number }) => resolve(message.port)))}`;
  }
  const config: Record<string, string> = crm === 'vtiger' ? { ...VTIGER_CONFIG, url: origin } : { ...HUBSPOT_CONFIG, api_url: origin };
  /** At once, as a replay: the engine's CPU alone. */
  const instant: Fetch = async (url, init) => {
    const body = answerTo(init.method, url, init.body);
    return { status: 200, headers: { forEach: (callback) => callback('application/json; charset=utf-8', 'content-type') }, text: async () => body };
  };

  interface Tree {
    name: string;
    session: CrmSession;
    close(): void;
  }

  const tree = async (name: string, root: string): Promise<Tree> => {
    const shared = await import(join(root, 'shared', 'src', 'index.ts'));
    const plan = shared.loadCrmConnector(readFileSync(join(root, 'connectors', 'crm', `${crm}.xml`), 'utf8'), `${crm}.xml`).plan;
    const network = overHttp ? new (await import(join(root, 'relay-server', 'src', 'crm', 'crm-http.ts'))).CrmHttpClient(10_000) : undefined;
    const session: CrmSession = shared.openCrmSession(plan, { config, fetch: network?.fetch ?? instant, defaultCountry: 'US' });
    return { name, session, close: () => network?.close() };
  };

  const CALLERS = 500;
  const caller = (i: number) => `+1415555${String(1000 + (i % CALLERS)).slice(-4)}`;
  const crmCall = (i: number): CrmCall => ({
    id: i + 1, call_id: `CA${String(i).padStart(8, '0')}0123456789abcdef01234567`, direction: 'inbound', customer_number: caller(i), agent_number: '+14155550199', agent_name: 'Agent', agent_email: 'agent@example.com',
    status: 'completed', started_at: '2026-12-01T10:00:00.000Z', ended_at: '2026-12-01T10:01:00.000Z', duration: 60, notes: null, disposition: null, recording_url: null, contact_id: crm === 'vtiger' ? '12x34' : '4012', contact_kind: 'Contacts',
  });
  const recordId = crm === 'vtiger' ? '18x5012' : '51234567890';

  /** Steps of one tree in a row, before the other's: the trees take turns often, so that what the machine does meanwhile weighs on both alike. */
  const BLOCK = 50;

  /** One step of a kind. */
  const step = async (session: CrmSession, kind: Kind, i: number) => {
    if (kind === 'find_contact') {
      const found = await session.findContacts(caller(i));
      if (found.ok && found.value.length !== 1) throw new Error(`find_contact found ${found.value.length} contacts for ${caller(i)}`);
      return found;
    }
    return kind === 'log_call' ? session.logCall(crmCall(i)) : session.updateCall(recordId, crmCall(i));
  };
  type Kind = 'log_call' | 'update_call' | 'find_contact';
  const kinds: Kind[] = lookups ? ['find_contact'] : ['log_call', 'update_call'];

  /** The main thread's µs per step of one round, by tree and kind: N of each kind in turn, in blocks taking turns. */
  const round = async (round: number): Promise<Map<Tree, Partial<Record<Kind, number>>>> => {
    const spent = new Map(trees.map((t) => [t, Object.fromEntries(kinds.map((kind) => [kind, 0])) as Partial<Record<Kind, number>>]));
    for (const kind of kinds) {
      for (let first = 0; first < steps; first += BLOCK) {
        for (const t of inTurn(trees, round + first / BLOCK)) {
          const before = threadRunUs();
          for (let i = first; i < Math.min(steps, first + BLOCK); i++) {
            const outcome = await step(t.session, kind, i);
            if (!outcome.ok) throw new Error(`${t.name}: ${kind} failed: ${outcome.error}`);
          }
          spent.get(t)![kind]! += (threadRunUs() - before) / steps;
        }
      }
    }
    return spent;
  };

  const trees = [await tree('this', resolve(import.meta.dirname, '..', '..')), await tree('other', other)];
  const figures: Record<string, Array<Partial<Record<Kind, number>>>> = { this: [], other: [] };
  try {
    // Each caller's number read first, as its lookup reads it; and a round not counted: the first pays V8's compiling and the login.
    for (const t of trees) for (let i = 0; i < CALLERS; i++) await t.session.findContacts(caller(i)).catch(() => undefined);
    await round(0);
    for (let r = 1; r <= rounds; r++) {
      for (const [t, spent] of await round(r)) figures[t.name]!.push(spent);
      const [mine, theirs] = [figures.this!.at(-1)!, figures.other!.at(-1)!];
      console.log(`round ${r}: main thread per step (µs) ${kinds.map((kind) => `${kind} this ${mine[kind]!.toFixed(1)}, other ${theirs[kind]!.toFixed(1)} (x${(mine[kind]! / theirs[kind]!).toFixed(3)})`).join('; ')}`);
    }
    const medianOf = (name: string, kind: Kind) => median(figures[name]!.map((f) => f[kind]!)).toFixed(1);
    console.log(`medians (${crm}${overHttp ? ', over HTTP' : ', at once'}): ${kinds.map((kind) => `${kind} this ${medianOf('this', kind)}, other ${medianOf('other', kind)}`).join('; ')} µs per step`);
  } finally {
    for (const t of trees) t.close();
    child?.disconnect();
  }
}
