/**
 * `npx tsx tests/bench/fan-out.ts [--calls N] [--agents N] [--profile]`: the relay's fan-out
 * (an incoming call routed to every connected agent) and its one-sender push latency, without
 * the rest of `pnpm bench relay`: a check while working on the WebSocket hub, not figures for
 * the docs. `--profile` adds where the relay's CPU went during the measured calls (self time by
 * function, the warm-ups left out).
 */
import { tempDir } from '../relay/harness.ts';
import { benchFanOutAlone } from './relay-throughput.ts';
import { positiveIntegerFlag } from './flags.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => positiveIntegerFlag(args, name, fallback);
const dir = args.includes('--profile') ? tempDir('pc-bench-fan-out-') : undefined;
try {
  const figures = await benchFanOutAlone({ agents: flag('--agents', 1000), calls: flag('--calls', 20), unloadedCalls: flag('--unloaded', 100), ...(dir ? { profileDir: dir.path } : {}) });
  console.log(JSON.stringify(figures, null, 1));
} finally {
  dir?.remove();
}
