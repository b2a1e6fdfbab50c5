/**
 * `npx tsx tests/bench/fan-out.ts [--calls N] [--agents N] [--profile] [--store sqlite|postgres] [--forwarder]`:
 * the relay's fan-out (an incoming call routed to every connected agent) and its one-sender push
 * latency, without the rest of `pnpm bench relay`: a check while working on the WebSocket hub or
 * the store's links, not figures for the docs. `--profile` adds where the relay's CPU went during
 * the measured calls (self time by function, the warm-ups left out). `--store postgres` runs the
 * relay on a fresh database of a test PostgreSQL started here (fsync off, as the tests run it),
 * and adds the CPU its sessions spent per call (`storeCpuMsPerCall`). `--forwarder` measures the bare
 * forwarder instead (tests/bench/forwarder.ts), by the same code: `pnpm bench relay`'s baseline column.
 */
import { startTestPostgres, type TestPostgres } from '../../relay-server/src/testing-postgres.ts';
import { tempDir } from '../relay/harness.ts';
import { benchFanOutAlone } from './relay-throughput.ts';
import { positiveIntegerFlag, storeFlag } from './flags.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => positiveIntegerFlag(args, name, fallback);
const dir = args.includes('--profile') ? tempDir('pc-bench-fan-out-') : undefined;
let postgres: TestPostgres | undefined;
try {
  if (storeFlag(args) === 'postgres') postgres = await startTestPostgres();
  const figures = await benchFanOutAlone({
    agents: flag('--agents', 1000),
    calls: flag('--calls', 20),
    unloadedCalls: flag('--unloaded', 100),
    ...(dir ? { profileDir: dir.path } : {}),
    ...(postgres ? { postgresUrl: postgres.url } : {}),
    ...(args.includes('--forwarder') ? { forwarder: true } : {}),
  });
  console.log(JSON.stringify(figures, null, 1));
} finally {
  dir?.remove();
  await postgres?.stop();
}
