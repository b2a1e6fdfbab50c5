/**
 * `pnpm bench`: measures the engine, a real relay process and the content script in
 * Chromium, and writes the figures to docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../relay/harness.ts';
import { benchContentScript } from './content.ts';
import { benchEngine } from './engine.ts';
import { benchRelay } from './relay.ts';

const engine = benchEngine();
console.log('engine', engine);
const relay = await benchRelay();
console.log('relay', relay);
const content = await benchContentScript();
console.log('content script', content);

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const report = `# Benchmarks

Written by \`pnpm bench\` (tests/bench/); run it again to refresh. Machine: ${machine}.

## Connector engine

| operation | ops/s | µs/op |
| --- | ---: | ---: |
${engine.map((r) => `| ${r.name} | ${r.opsPerSecond.toLocaleString('en-US')} | ${r.microsecondsPerOp} |`).join('\n')}

## Relay (a real process, SQLite in WAL mode)

${relay.webhooks} signed Twilio status webhooks for distinct calls from ${relay.concurrency} concurrent senders on loopback, while one agent's WebSocket receives every event.

| figure | value |
| --- | ---: |
| webhooks per second | ${relay.webhooksPerSecond} |
| webhook round trip p50 / p95 / p99 / max (ms) | ${relay.webhookMs.p50} / ${relay.webhookMs.p95} / ${relay.webhookMs.p99} / ${relay.webhookMs.max} |
| webhook sent -> event on the agent's socket p50 / p95 / p99 / max (ms) | ${relay.pushMs.p50} / ${relay.pushMs.p95} / ${relay.pushMs.p99} / ${relay.pushMs.max} |
| relay resident memory after the run (MiB) | ${relay.rssMiB} |

Target: an incoming call reaches the agent's page within one second; the push latency above
is the relay's share of it. The end-to-end test checks that the popup is pushed, not how fast:
a time limit there would fail on a busy machine.

## Content script (Chromium, built extension)

The Vtiger-like list of 1,000 contacts (tests/e2e/pages/vtiger-list.html).

| figure | value |
| --- | ---: |
| call buttons | ${content.buttons} |
| navigation start -> every button in place (ms) | ${content.msToAllButtons} |
| long tasks (> 50 ms) with the extension: count / longest / total (ms) | ${content.longTasks.count} / ${content.longTasks.maxMs} / ${content.longTasks.totalMs} |
| the same page where the extension is not enabled: count / longest / total (ms) | ${content.baselineLongTasks.count} / ${content.baselineLongTasks.maxMs} / ${content.baselineLongTasks.totalMs} |

Target: the scanner works in batches of at most 8 ms per frame, so it adds no long task of
its own; the difference between the two rows is what the extension costs the page.
`;
writeFileSync(join(REPO_ROOT, 'docs', 'benchmarks.md'), report);
console.log('wrote docs/benchmarks.md');
