/**
 * `pnpm bench [engine] [relay] [scale-out] [content] [--quick]`: measures the engine, a real relay process
 * (without and with a CRM), one vs two relays on one database and the content script in Chromium (every part when none is named), and writes the figures
 * of the parts it ran into their sections of docs/benchmarks.md. `--quick` runs the content
 * script on one small list, once, and the relay in one round with fewer calls: a check while
 * iterating, not figures for the docs.
 * PC_BENCH_ROWS=1000,10000 and PC_BENCH_RUNS=1 pick the content script's list sizes and runs
 * (the docs are then left alone too); PC_BENCH_ROWS=0 runs its infinite scroll alone.
 * PC_BENCH_FRAMES=1 traces each content scenario and says whose time its long frames were.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../relay/harness.ts';
import { benchContentScript, type ContentBenchOptions, FULL_CONTENT_BENCH, QUICK_CONTENT_BENCH } from './content.ts';
import { contentSection } from './content-report.ts';
import { benchEngine } from './engine.ts';
import { benchRelayWithCrm } from './relay-crm.ts';
import { benchRelaysOnOneDatabase } from './relay-scale-out.ts';
import { relaySections } from './relay-report.ts';
import { benchRelayThroughput, FULL_THROUGHPUT_BENCH, QUICK_THROUGHPUT_BENCH } from './relay-throughput.ts';
import { throughputSection } from './relay-throughput-report.ts';
import { BENCH_PARTS, type BenchPart, mergeReport } from './report.ts';

const PARTS = BENCH_PARTS;
type Part = BenchPart;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const unknown = args.filter((arg) => arg !== '--quick' && !PARTS.includes(arg as Part));
if (unknown.length > 0) {
  console.error(`unknown argument(s): ${unknown.join(' ')}; usage: pnpm bench [${PARTS.join('] [')}] [--quick]`);
  process.exit(2);
}
const named = args.filter((arg): arg is Part => PARTS.includes(arg as Part));
const parts: Part[] = named.length > 0 ? named : [...PARTS];

const sections = new Map<Part, string>();
if (parts.includes('engine')) {
  const engine = benchEngine();
  console.log('engine', engine);
  sections.set(
    'engine',
    `## Connector engine

| operation | ops/s | µs/op |
| --- | ---: | ---: |
${engine.map((r) => `| ${r.name} | ${r.opsPerSecond.toLocaleString('en-US')} | ${r.microsecondsPerOp} |`).join('\n')}
`,
  );
}
if (parts.includes('relay')) {
  // The relay against the bare forwarder (with and without a CRM among its setups), then the CRM's
  // own cases (answering, slow, down: every call logged exactly once) in three rounds (one with
  // --quick; about 90 s): one round of 200 calls moved a ratio by half between runs of the same
  // hour. The whole part takes about seven minutes (two with --quick).
  const throughput = await benchRelayThroughput(quick ? QUICK_THROUGHPUT_BENCH : FULL_THROUGHPUT_BENCH);
  const section = throughputSection(throughput);
  console.log(section);
  sections.set('relay', `${section}\n${relaySections(await benchRelayWithCrm(quick ? 1 : 3, quick ? 100 : 200))}`);
}
if (parts.includes('scale-out')) sections.set('scale-out', await benchRelaysOnOneDatabase({ quick }));
if (parts.includes('content')) {
  const content = await benchContentScript(contentOptions());
  console.log('content script', JSON.stringify(content, null, 1));
  const section = contentSection(content);
  console.log(section);
  sections.set('content', section);
}

if (quick || process.env.PC_BENCH_ROWS || process.env.PC_BENCH_RUNS) {
  console.log('a partial run: docs/benchmarks.md left as it is');
} else {
  writeReport(sections);
}

function contentOptions(): ContentBenchOptions {
  const base = quick ? QUICK_CONTENT_BENCH : FULL_CONTENT_BENCH;
  const rows = process.env.PC_BENCH_ROWS === '0' ? [] : (process.env.PC_BENCH_ROWS?.split(',').map(Number) ?? base.rows);
  const runs = Number(process.env.PC_BENCH_RUNS ?? base.runs);
  if (rows.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1) {
    console.error('PC_BENCH_ROWS takes list sizes (1000,10000) or 0 (the infinite scroll alone), PC_BENCH_RUNS a count of runs');
    process.exit(2);
  }
  return { ...base, rows, runs, attributeFrames: process.env.PC_BENCH_FRAMES === '1' };
}

/** Replaces the sections measured now, keeps the others as the last run wrote them. */
function writeReport(measured: Map<Part, string>): void {
  const file = join(REPO_ROOT, 'docs', 'benchmarks.md');
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  writeFileSync(file, `# Benchmarks\n\nWritten by \`pnpm bench\` (tests/bench/); run it again to refresh. Machine of the last run: ${machine}.\n\n${mergeReport(previous, measured)}`);
  console.log(`wrote ${[...measured.keys()].join(', ')} to docs/benchmarks.md`);
}
