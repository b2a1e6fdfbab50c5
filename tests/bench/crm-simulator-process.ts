/**
 * The Vtiger simulator of a bench's CRM run in a process of its own (crm-run.ts starts it with
 * `fork`): in the bench's process, its answers to the relay's CRM requests took the load
 * generator's event loop, and the generator, not the relay, set the pace (issue 10). Seeded with
 * a contact for each of the first `--callers` bench callers; it takes its orders (hold the
 * searches, go down, list the activities) over the IPC channel and answers each with its id.
 */
import { VtigerSimulator } from '../simulators/crm/vtiger.ts';
import { positiveIntegerFlag } from './flags.ts';
import { benchCaller } from './relay.ts';

export type SimulatorOrder = 'holdSearches' | 'releaseSearches' | 'down' | 'up' | 'activities' | 'requestCounts' | 'close';

const callers = positiveIntegerFlag(process.argv.slice(2), '--callers', 1000);
const vtiger = await VtigerSimulator.start({
  seed: Array.from({ length: callers }, (_, i) => ({ firstName: 'Caller', lastName: String(i), company: `Company ${i % 50}`, phones: [storedAs(benchCaller(i), i)] })),
});
let release: (() => void) | undefined;

const orders: Record<SimulatorOrder, () => unknown> = {
  holdSearches: () => void (release = vtiger.holdSearches()),
  releaseSearches: () => release?.(),
  down: () => vtiger.down(),
  up: () => vtiger.up(),
  activities: () => vtiger.activities(),
  requestCounts: () => requestCounts(),
  close: () => vtiger.close(),
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
process.send!({ ready: vtiger.config });

/** The number as a person typed it: the formats CRMS.md §1.4 says Vtiger holds, in turn. */
function storedAs(e164: string, index: number): string {
  const national = e164.slice(2);
  const formats = [`(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`, `+1 ${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`, national];
  return formats[index % formats.length]!;
}

/** The requests the simulator received, by webservice operation (`query` split by module): how many CRM requests a call cost (issue 10). */
function requestCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of vtiger.requests) {
    const params = new URLSearchParams(request.method === 'GET' ? (request.url.split('?')[1] ?? '') : request.body);
    const operation = params.get('operation') ?? '?';
    const module = operation === 'query' ? / FROM (\w+)/i.exec(params.get('query') ?? '')?.[1] : undefined;
    const key = module ? `${operation} ${module}` : operation;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
