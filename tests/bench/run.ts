/**
 * `pnpm bench`: measures the engine, a real relay process (without and with a CRM) and the
 * content script in Chromium, and writes the figures to docs/benchmarks.md. `pnpm bench relay`
 * measures the relay only and replaces just its sections of the report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../relay/harness.ts';
import { benchContentScript } from './content.ts';
import { benchEngine } from './engine.ts';
import { benchRelayWithCrm } from './relay-crm.ts';
import { relaySections, withRelaySections } from './relay-report.ts';

const REPORT = join(REPO_ROOT, 'docs', 'benchmarks.md');
const part = process.argv[2];
if (part !== undefined && part !== 'relay') throw new Error(`pnpm bench: unknown part "${part}"; run \`pnpm bench\` for everything or \`pnpm bench relay\``);
if (part === 'relay') {
  writeFileSync(REPORT, withRelaySections(readFileSync(REPORT, 'utf8'), relaySections(await benchRelayWithCrm())));
  console.log('wrote the relay sections of docs/benchmarks.md');
  process.exit();
}

const engine = benchEngine();
console.log('engine', engine);
const relay = await benchRelayWithCrm();
const content = await benchContentScript();
console.log('content script', content);

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const report = `# Benchmarks

Written by \`pnpm bench\` (tests/bench/); run it again to refresh (\`pnpm bench relay\` refreshes the relay sections only). Machine: ${machine}.

## Connector engine

| operation | ops/s | µs/op |
| --- | ---: | ---: |
${engine.map((r) => `| ${r.name} | ${r.opsPerSecond.toLocaleString('en-US')} | ${r.microsecondsPerOp} |`).join('\n')}

${relaySections(relay)}
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
writeFileSync(REPORT, report);
console.log('wrote docs/benchmarks.md');
