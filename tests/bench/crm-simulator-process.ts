/**
 * The CRM simulator of a bench's CRM run (Vtiger's, or HubSpot's with `--kind hubspot`) in a
 * process of its own (crm-run.ts starts it with `fork`): in the bench's process, its answers to
 * the relay's CRM requests took the load generator's event loop, and the generator, not the
 * relay, set the pace (issue 10). Seeded with a contact for each of the first `--callers` bench
 * callers, each answer sent `--rtt-ms` after it is ready when given (a CRM that far away); it takes its orders (hold the searches, go down, list the activities) over the IPC
 * channel and answers each with its id.
 */
import type { CrmSimulator, RecordedCrmRequest } from '../simulators/crm/crm-simulator.ts';
import { HubSpotSimulator } from '../simulators/crm/hubspot.ts';
import { VtigerSimulator } from '../simulators/crm/vtiger.ts';
import type { BenchCrmKind } from './crm-run.ts';
import { positiveIntegerFlag } from './flags.ts';
import { benchCaller } from './relay.ts';

export type SimulatorOrder = 'holdSearches' | 'releaseSearches' | 'down' | 'up' | 'activities' | 'requestCounts' | 'operations' | 'close';

const args = process.argv.slice(2);
const callers = positiveIntegerFlag(args, '--callers', 1000);
const kind = (args.includes('--kind') ? args[args.indexOf('--kind') + 1] : 'vtiger') as BenchCrmKind;
const seed = Array.from({ length: callers }, (_, i) => ({ firstName: 'Caller', lastName: String(i), company: `Company ${i % 50}`, phones: [storedAs(benchCaller(i), i)] }));
// HubSpot's log carries the call's id in its unique call property (hubspot.xml's call_id_property), which counts the logs per call.
const crm: CrmSimulator = kind === 'hubspot' ? await HubSpotSimulator.start({ uniqueCallProperties: ['relay_call_id'] }) : await VtigerSimulator.start({ seed });
if (kind === 'hubspot') crm.seed(seed);
if (args.includes('--rtt-ms')) crm.roundTrip(positiveIntegerFlag(args, '--rtt-ms', 0));
const config = kind === 'hubspot' ? { ...crm.config, call_id_property: 'relay_call_id' } : crm.config;
let release: (() => void) | undefined;

const orders: Record<SimulatorOrder, () => unknown> = {
  holdSearches: () => void (release = crm.holdSearches()),
  releaseSearches: () => release?.(),
  down: () => crm.down(),
  up: () => crm.up(),
  activities: () => crm.activities(),
  requestCounts,
  operations,
  close: () => crm.close(),
};

process.on('message', async ({ id, order }: { id: number; order: SimulatorOrder }) => {
  try {
    process.send!({ id, result: await orders[order]() });
  } catch (error) {
    // The bench waits for every order's answer: a failed one must fail it, not leave it waiting.
    process.send!({ id, error: String(error) });
  }
  if (order === 'close') process.disconnect();
});
process.send!({ ready: config });

/** The number as a person typed it: the formats CRMS.md §1.4 says Vtiger holds, in turn (HubSpot's phone is free text too). */
function storedAs(e164: string, index: number): string {
  const national = e164.slice(2);
  const formats = [`(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`, `+1 ${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`, national];
  return formats[index % formats.length]!;
}

/** The requests the simulator answered, oldest first, each by what it did: Vtiger's webservice operation (`query` split by module), HubSpot's method and path. */
function operations(): string[] {
  return crm.requests.filter((request) => request.status !== 0).map(kind === 'hubspot' ? hubSpotOperation : vtigerOperation);
}

/** `query Contacts`, `retrieve`, `create`, `login`, …: how many CRM requests a call cost (issue 10). */
function vtigerOperation(request: RecordedCrmRequest): string {
  const params = new URLSearchParams(request.method === 'GET' ? (request.url.split('?')[1] ?? '') : request.body);
  const operation = params.get('operation') ?? '?';
  const module = operation === 'query' ? / FROM (\w+)/i.exec(params.get('query') ?? '')?.[1] : undefined;
  return module ? `${operation} ${module}` : operation;
}

/** Method and path, ids left out (`POST /crm/v3/objects/contacts/search`, `PATCH /crm/v3/objects/calls/{id}`). */
function hubSpotOperation(request: RecordedCrmRequest): string {
  return `${request.method} ${request.url.split('?')[0]!.replace(/\/(?!v\d+\b)[^/]*\d[^/]*/g, '/{id}')}`;
}

/** The answered requests counted by operation; with `--rtt-ms`, a login counted here has reached the relay (a bench waits for it). */
function requestCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const operation of operations()) counts[operation] = (counts[operation] ?? 0) + 1;
  return counts;
}
