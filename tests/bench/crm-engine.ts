/**
 * `npx tsx tests/bench/crm-engine.ts [--calls N] [--rounds N]`: what the CRM work of one call
 * costs the relay's process apart from the relay (issue 10): the Vtiger connector's session over
 * the relay's CRM network (crm-http.ts), against the Vtiger simulator in a process of its own at
 * nice 19 (crm-run.ts), each call a lookup then its log, one at a time. Per call: the HTTP
 * requests by step and this process's CPU (the simulator's apart), for the lookup and the log.
 * `--canned`: the rounds after the first replay the answers the first round got, without HTTP:
 * the engine's CPU alone, with neither the simulator nor node:http taking the cores. Under
 * `node --expose-gc --import tsx`, also what the engine allocates per call (its garbage): the
 * heap's growth over stretches of a few calls begun with an empty young generation, each in it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { loadCrmConnector, openCrmSession, type CrmCall, type Fetch } from '@phone-connector/shared';
import { CrmHttpClient } from '../../relay-server/src/crm/crm-http.ts';
import { REPO_ROOT } from '../relay/harness.ts';
import { ownCpuUs } from './cpu-account.ts';
import { CannedCrmAnswers } from './canned-crm.ts';
import { BenchCrm } from './crm-run.ts';
import { positiveIntegerFlag } from './flags.ts';
import { benchCaller, benchCallSid } from './relay.ts';

const args = process.argv.slice(2);
const calls = positiveIntegerFlag(args, '--calls', 500);
const rounds = positiveIntegerFlag(args, '--rounds', 3);
const canned = args.includes('--canned');

const crm = await BenchCrm.start(calls);
const http = new CrmHttpClient(10_000);
const requests = new Map<string, number>();
/** What the CRM answered, by the request sent: each round asks the same (same calls, one session). */
const answers = new CannedCrmAnswers((url, init) => http.fetch(url, init));
const fetch: Fetch = (url, init) => {
  requests.set(init.step ?? '?', (requests.get(init.step ?? '?') ?? 0) + 1);
  return canned ? answers.fetch(url, init) : http.fetch(url, init);
};
const plan = loadCrmConnector(readFileSync(join(REPO_ROOT, 'connectors', 'crm', 'vtiger.xml'), 'utf8'), 'vtiger.xml').plan!;
const session = openCrmSession(plan, { config: crm.setup.config, fetch, defaultCountry: 'US', followUpTtlMs: 600_000 });

const crmCall = (i: number, contactId: string | null): CrmCall => ({
  id: i + 1, call_id: benchCallSid(i), direction: 'inbound', customer_number: benchCaller(i), agent_number: '+14155550199', agent_name: 'Agent', agent_email: null,
  status: 'completed', started_at: '2026-12-01T10:00:00.000Z', ended_at: '2026-12-01T10:01:00.000Z', duration: 60, notes: null, disposition: null, recording_url: null, contact_id: contactId, contact_kind: 'Contacts',
});

/** Calls per stretch whose heap growth is read: their allocations fit in a young generation (a few MB), so none collects. */
const CALLS_PER_STRETCH = 10;
/** The heap in use (bytes): read without a syscall, as memoryUsage() makes for the RSS. */
const heapUsed = () => getHeapStatistics().used_heap_size;
const collect = (globalThis as { gc?: (options: { type: 'minor'; execution: 'sync' }) => void }).gc;

try {
  for (let round = 0; round <= rounds; round++) {
    requests.clear();
    let lookupUs = 0;
    let logUs = 0;
    const allocated = { lookup: 0, log: 0 };
    for (let i = 0; i < calls; i++) {
      if (collect && i % CALLS_PER_STRETCH === 0) collect({ type: 'minor', execution: 'sync' });
      const heapAtStart = heapUsed();
      const a = ownCpuUs();
      const found = await session.findContacts(benchCaller(i));
      const b = ownCpuUs();
      const heapAfterLookup = heapUsed();
      if (!found.ok || found.value.length === 0) throw new Error(`call ${i}: no contact (${JSON.stringify(found)})`);
      const logged = await session.logCall(crmCall(i, found.value[0]!.id));
      if (!logged.ok) throw new Error(`call ${i}: not logged (${logged.error})`);
      lookupUs += b - a;
      logUs += ownCpuUs() - b;
      allocated.lookup += heapAfterLookup - heapAtStart;
      allocated.log += heapUsed() - heapAfterLookup;
    }
    // Round 0 warms the JIT up and logs in; it is not reported.
    if (round === 0) continue;
    const perCall = [...requests].map(([step, n]) => `${step} ${(n / calls).toFixed(2)}`).join(', ');
    const kb = (bytes: number) => (bytes / 1024 / calls).toFixed(1);
    const garbage = collect ? `; allocated per call ${kb(allocated.lookup + allocated.log)} KB (lookup ${kb(allocated.lookup)}, log ${kb(allocated.log)})` : '';
    console.log(`round ${round}: CPU per call ${((lookupUs + logUs) / calls).toFixed(0)} µs (lookup ${(lookupUs / calls).toFixed(0)}, log ${(logUs / calls).toFixed(0)})${garbage}; requests per call ${perCall}`);
  }
} finally {
  http.close();
  await crm.close();
}
