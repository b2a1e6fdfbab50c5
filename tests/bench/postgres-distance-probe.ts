/**
 * `npx tsx tests/bench/postgres-distance-probe.ts <other tree> [--delay MS] [--rounds N] [--relays N] [--senders N]`:
 * relay-scale-out.ts's PostgreSQL run (1,500 new calls after 800 of warm-up) with the database
 * farther away, this tree's relays against another's (a checkout with its node_modules),
 * alternately, each run in a process of its own. The relays reach the run's test PostgreSQL
 * through a proxy in a process of its own that holds every chunk `--delay` ms each way (1 unless
 * told: a round trip of 2 ms more, plus the proxy's own hop; 0: no proxy, PostgreSQL on loopback
 * as in the bench). Each run's webhooks/s, and the relays' and PostgreSQL's CPU per measured
 * webhook (/proc). A check of how the store's round trips weigh when the database is on another
 * machine (issue 13), not figures for the docs.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { cpuMs, processesUnder } from './cpu-account.ts';
import { nonNegativeIntegerFlag, otherTreeArg, positiveIntegerFlag } from './flags.ts';

const here = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

/** In the proxy's process: forwards every connection to `target`, each chunk `delayMs` late, in order. */
function delayProxy(target: number, delayMs: number): void {
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      from.setNoDelay(true);
      from.on('data', (chunk) => setTimeout(() => to.write(chunk), delayMs));
      from.on('close', end).on('error', end);
    }
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as net.AddressInfo).port));
}

/** The CPU so far (ms) of this run's relays (its node children) and of every process of the probe's PostgreSQL server. */
function cpuSoFar(): { relaysMs: number; postgresMs: number } {
  const sum = (pids: number[]) => pids.reduce((total, pid) => total + cpuMs(pid), 0);
  return { relaysMs: sum(processesUnder(process.pid, 'node')), postgresMs: sum(processesUnder(process.ppid, 'postgres')) };
}

/**
 * In a run's process: one tree's scale-out run through the proxy; its figures on stdout, with the
 * relays' and PostgreSQL's CPU per measured webhook. The bench reads the relays' /metrics just
 * before its measured calls and just after them: the CPU is read at the first and the last of
 * those reads (the other tree's bench has no hook of its own).
 */
async function oneRun(tree: string, url: string, relays: number, senders: number): Promise<void> {
  const { benchScaleOut } = (await import(`${tree}/tests/bench/relay-scale-out.ts`)) as typeof import('./relay-scale-out.ts');
  const readings: Array<ReturnType<typeof cpuSoFar>> = [];
  const fetchWithoutReading = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    if (String(input).endsWith('/metrics')) readings.push(cpuSoFar());
    return fetchWithoutReading(input, init);
  };
  const calls = 1500;
  const figures = await benchScaleOut({ store: 'postgres', relays, postgresUrl: url, calls, warmUp: 800, concurrency: senders });
  const [first, last] = [readings[0]!, readings.at(-1)!];
  console.log(JSON.stringify({ ...figures, relayCpuMs: (last.relaysMs - first.relaysMs) / calls, postgresCpuMs: (last.postgresMs - first.postgresMs) / calls }));
}

if (args[0] === '--proxy') delayProxy(Number(args[1]), Number(args[2]));
else if (args[0] === '--run') await oneRun(args[1]!, args[2]!, Number(args[3]), Number(args[4]));
else {
  const other = otherTreeArg(args, 'postgres-distance-probe.ts <other tree> [--delay MS] [--rounds N] [--relays N] [--senders N]');
  const delayMs = nonNegativeIntegerFlag(args, '--delay', 1);
  const rounds = positiveIntegerFlag(args, '--rounds', 3);
  const relays = positiveIntegerFlag(args, '--relays', 1);
  const senders = positiveIntegerFlag(args, '--senders', 16);
  const trees = { other, this: fileURLToPath(new URL('../..', import.meta.url)) };
  // Imported here, not above: a run's process loads the other tree's test modules (vitest among them), which two copies of would refuse.
  const { startTestPostgres } = await import('../../relay-server/src/testing-postgres.ts');
  const postgres = await startTestPostgres();
  let proxy: ChildProcess | undefined;
  try {
    const url = new URL(postgres.url);
    if (delayMs > 0) {
      proxy = fork(here, ['--proxy', url.port, String(delayMs)], { execArgv: ['--import', 'tsx'] });
      url.port = String(await new Promise<number>((resolve) => proxy!.once('message', (message) => resolve(message as number))));
    }
    console.log(`PostgreSQL ${delayMs} ms away each way, ${relays} relay(s), ${senders} senders, ${rounds} rounds`);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['other', 'this'] as const) : (['this', 'other'] as const);
      for (const name of order) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', here, '--run', trees[name], url.toString(), String(relays), String(senders)], { cwd: trees[name], encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        const figures = JSON.parse(out.trim().split('\n').at(-1)!) as { webhooksPerSecond: number; webhookMs: { p50: number; p99: number }; relayCpuMs: number; postgresCpuMs: number };
        console.log(
          `round ${round + 1} ${name}: ${figures.webhooksPerSecond} webhooks/s, p50 / p99 ${figures.webhookMs.p50} / ${figures.webhookMs.p99} ms, CPU per webhook: relays ${figures.relayCpuMs.toFixed(3)} ms, PostgreSQL ${figures.postgresCpuMs.toFixed(3)} ms`,
        );
      }
    }
  } finally {
    proxy?.kill();
    await postgres.stop();
  }
}
