/**
 * `npx tsx tests/bench/crm-load.ts [--calls N] [--rounds N] [--pinned] [--profile] [--phases] [--one-at-a-time]`: the relay
 * without a CRM and with the Vtiger simulator answering, alternately in each round (200 calls at
 * 16 senders, each an incoming then a completed webhook), without the rest of `pnpm bench relay`:
 * a check while working on the CRM's path (issue 10), not figures for the docs. Per run, where
 * the webhooks' wall time went (cpu-account.ts) and how many CRM steps were rationed; per round,
 * the ratios with / without. `--pinned` puts the relay alone on one core in both runs (relay.ts
 * `pin`). `--profile` adds one CRM run under `node --cpu-prof`, read by function while the
 * webhooks came. `--phases` runs the throughput bench's CRM row instead (relay-throughput.ts:
 * `--calls` new calls, then their updates, after a warm-up), without and with the CRM, alternately.
 * `--one-at-a-time` runs the CRM bench's call-centre pace instead (relay-crm.ts: `--calls` calls,
 * default 50, one sender, the CRM answering): the contact on the first event and the log's latency.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../relay/harness.ts';
import { type CpuProfile, selfTimeByFunction } from './cpu-profile.ts';
import { positiveIntegerFlag } from './flags.ts';
import { benchVtiger, sayIfNotExactlyOnce, summary } from './relay-crm.ts';
import { benchRelay } from './relay.ts';
import { crmThroughput, relayThroughput } from './relay-throughput.ts';

const args = process.argv.slice(2);
const calls = positiveIntegerFlag(args, '--calls', 200);
const rounds = positiveIntegerFlag(args, '--rounds', 1);
const pinned = args.includes('--pinned');
const oneAtATime = args.includes('--one-at-a-time');

for (let round = 1; round <= rounds && args.includes('--phases'); round++) {
  const without = await relayThroughput(calls);
  const withCrm = await crmThroughput(calls);
  const rate = (phase: { webhooksPerSecond: number }) => phase.webhooksPerSecond;
  console.log(`round ${round} phases, webhooks/s without / with: new calls ${rate(without.newCalls)} / ${rate(withCrm.newCalls)} x${(rate(withCrm.newCalls) / rate(without.newCalls)).toFixed(2)}, updates ${rate(without.updates)} / ${rate(withCrm.updates)} x${(rate(withCrm.updates) / rate(without.updates)).toFixed(2)}`);
  console.log(`round ${round} new calls with the CRM:`, JSON.stringify(withCrm.phases.newCalls));
  console.log(`round ${round} updates with the CRM:`, JSON.stringify(withCrm.phases.updates));
}

for (let round = 1; round <= rounds && oneAtATime; round++) {
  const run = await benchVtiger('fast', positiveIntegerFlag(args, '--calls', 50), { concurrency: 1 });
  console.log(`round ${round} one at a time:`, summary(run), JSON.stringify(run.crm), JSON.stringify(run.logs));
  sayIfNotExactlyOnce('one at a time', run.logs, run.calls);
}

for (let round = 1; round <= rounds && !args.includes('--phases') && !oneAtATime; round++) {
  const without = await benchRelay({ calls, pinned });
  console.log(`round ${round} no CRM:`, summary(without), JSON.stringify(without.webhookPhase));
  const withCrm = await benchVtiger('fast', calls, { pinned });
  console.log(`round ${round} CRM answering:`, summary(withCrm), JSON.stringify(withCrm.webhookPhase), JSON.stringify(withCrm.crm), JSON.stringify(withCrm.logs));
  sayIfNotExactlyOnce('CRM answering', withCrm.logs, calls);
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(`round ${round} with / without: webhooks/s x${ratio(withCrm.webhooksPerSecond, without.webhooksPerSecond)}, relay CPU per call x${ratio(withCrm.relayCpuMsPerCall, without.relayCpuMsPerCall)}`);
}

if (args.includes('--profile')) {
  const dir = tempDir('pc-bench-crm-load-');
  try {
    const window = { fromUs: 0, toUs: 0 };
    await benchVtiger('fast', calls, { pinned, cpuProfileDir: dir.path, window });
    const file = readdirSync(dir.path).find((name) => name.endsWith('.cpuprofile') && name.split('.').at(-3) === '0') ?? readdirSync(dir.path)[0]!;
    const profile = JSON.parse(readFileSync(join(dir.path, file), 'utf8')) as CpuProfile;
    const table = selfTimeByFunction(profile, window, 40);
    console.log(table.map((row) => JSON.stringify(row)).join('\n'));
  } finally {
    dir.remove();
  }
}
