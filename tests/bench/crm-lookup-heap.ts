/**
 * `node --expose-gc --import tsx tests/bench/crm-lookup-heap.ts [--calls N] [--rounds N] [--sample]`:
 * what a caller lookup allocates per new call in the relay's process (its garbage, issue 10): the
 * Vtiger connector's session searching the bench's callers in batches of 20, as the relay's
 * caller-lookup.ts sends them (`findContactsOf`), its answers canned (the first round asks the
 * Vtiger simulator over crm-http.ts, the rounds after replay what it answered, without HTTP).
 * Per round, the heap's growth per caller (each batch begun with an empty young generation, so
 * none collects within it) and the CPU per caller. `--sample`: one more round under V8's sampling
 * heap profiler keeping the objects the collector took (node:inspector, in this process): the
 * bytes allocated per caller by the function that allocated them (self) and by the outermost
 * engine function on its stack (shared/src/crm, shared/src/payload, shared/src/template).
 * `--against <other tree>` (a checkout with its node_modules, main's): that tree's engine too,
 * on the same canned answers, the two alternately round by round (each its own session, warmed
 * up in round 0); per round both figures and this / other.
 * The engine's part of the lookup path; the relay's own (its store transaction, its HTTP client)
 * is not in it.
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import * as thisEngine from '@phone-connector/shared';
import type { CrmSession } from '@phone-connector/shared';
import { CrmHttpClient } from '../../relay-server/src/crm/crm-http.ts';
import { REPO_ROOT } from '../relay/harness.ts';
import { ownCpuUs } from './cpu-account.ts';
import { CannedCrmAnswers } from './canned-crm.ts';
import { BenchCrm } from './crm-run.ts';
import { positiveIntegerFlag } from './flags.ts';
import { allocationSplit, allocationTable, type SamplingNode, samplingOptions } from './heap-sampling.ts';
import { benchCaller } from './relay.ts';
import { inTurn } from './in-turn.ts';

const args = process.argv.slice(2);
const calls = positiveIntegerFlag(args, '--calls', 1000);
const rounds = positiveIntegerFlag(args, '--rounds', 3);
const sample = args.includes('--sample');
const against = args.includes('--against') ? resolve(args[args.indexOf('--against') + 1]!) : undefined;
/** Callers per search, as caller-lookup.ts batches them for Vtiger (its `<batch size>`). */
const BATCH = 20;

const crm = await BenchCrm.start(calls);
/** The first round's answers, replayed in the next (`recording` off then). */
const http = new CrmHttpClient(10_000);
const canned = new CannedCrmAnswers((url, init) => http.fetch(url, init));
const fetch = canned.fetch;
const connectorXml = readFileSync(join(REPO_ROOT, 'connectors', 'crm', 'vtiger.xml'), 'utf8');
const sessionOf = (engine: typeof thisEngine): CrmSession => {
  const plan = engine.loadCrmConnector(connectorXml, 'vtiger.xml').plan!;
  return engine.openCrmSession(plan, { config: crm.setup.config, fetch, defaultCountry: 'US', followUpTtlMs: 600_000 });
};
const sessions: Record<string, CrmSession> = { this: sessionOf(thisEngine) };
if (against) sessions.other = sessionOf((await import(join(against, 'shared/src/index.ts'))) as typeof thisEngine);

const heapUsed = () => getHeapStatistics().used_heap_size;
const collect = (globalThis as { gc?: (options: { type: 'minor'; execution: 'sync' }) => void }).gc;
if (!collect) console.log('(no --expose-gc: the heap growth is not read)');

/** Every caller looked up once, BATCH per search; the heap's growth and the CPU per caller. */
async function lookUpAll(session: CrmSession): Promise<{ bytes: number; cpuUs: number }> {
  let bytes = 0;
  let cpuUs = 0;
  for (let first = 0; first < calls; first += BATCH) {
    const numbers = Array.from({ length: Math.min(BATCH, calls - first) }, (_, k) => benchCaller(first + k));
    collect?.({ type: 'minor', execution: 'sync' });
    const heapAtStart = heapUsed();
    const started = ownCpuUs();
    const found = await session.findContactsOf!(numbers);
    cpuUs += ownCpuUs() - started;
    bytes += heapUsed() - heapAtStart;
    if (!found.ok) throw new Error(`callers ${first}..: ${found.error}`);
    const missing = found.value.findIndex((contacts) => contacts.length === 0);
    if (missing >= 0) throw new Error(`caller ${first + missing}: no contact`);
  }
  return { bytes: bytes / calls, cpuUs: cpuUs / calls };
}

try {
  for (let round = 0; round <= rounds; round++) {
    // Alternately first: the second of a pair runs on a warmer process.
    const order = inTurn(Object.keys(sessions), round);
    const figures: Record<string, { bytes: number; cpuUs: number }> = {};
    for (const tree of order) figures[tree] = await lookUpAll(sessions[tree]!);
    // Round 0 records the answers and warms the JIT up; it is not reported.
    canned.recording = false;
    if (round === 0) {
      const bodies = [...canned.answers.values()].map((kept) => kept.body.length);
      const listed = [...canned.answers.values()].map((kept) => (JSON.parse(kept.body) as { result?: unknown }).result).reduce((sum: number, result) => sum + (Array.isArray(result) ? result.length : 0), 0);
      console.log(`canned: ${canned.answers.size} answers for ${calls} callers, ${(bodies.reduce((a, b) => a + b, 0) / bodies.length / 1024).toFixed(1)} KB each on average, ${(listed / calls).toFixed(2)} records listed per caller`);
      continue;
    }
    const line = (tree: string) => `${tree} ${collect ? `${(figures[tree]!.bytes / 1024).toFixed(2)} KB allocated, ` : ''}${figures[tree]!.cpuUs.toFixed(1)} µs CPU`;
    const ratios = figures.other ? `; this / other: ${collect ? `KB x${(figures.this!.bytes / figures.other.bytes).toFixed(2)}, ` : ''}CPU x${(figures.this!.cpuUs / figures.other.cpuUs).toFixed(2)}` : '';
    console.log(`round ${round}: per caller (batches of ${BATCH}) ${Object.keys(sessions).map(line).join(', ')}${ratios}`);
  }
  if (sample) {
    const inspector = new Session();
    inspector.connect();
    await inspector.post('HeapProfiler.startSampling', samplingOptions(512));
    await lookUpAll(sessions.this!);
    const { profile } = (await inspector.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
    inspector.disconnect();
    const { total, self, chain, under } = allocationSplit(profile.head, calls, (frame) => /\/shared\/src\/(crm|payload|template|runtime|record)\//.test(frame.url));
    console.log(`sampled: ${(total / 1024).toFixed(2)} KB per caller\nby the function allocating:\n${allocationTable(self, 30)}\nby the function allocating < its caller:\n${allocationTable(chain, 40)}\nby the outermost engine function on the stack:\n${allocationTable(under, 15)}`);
  }
} finally {
  http.close();
  await crm.close();
}
