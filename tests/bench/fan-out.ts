/**
 * `npx tsx tests/bench/fan-out.ts [--calls N] [--agents N] [--profile]`: the relay's fan-out
 * (an incoming call routed to every connected agent) and its one-sender push latency, without
 * the rest of `pnpm bench relay`: a check while working on the WebSocket hub, not figures for
 * the docs. `--profile` adds where the relay's CPU went (self time by area).
 */
import { tempDir } from '../relay/harness.ts';
import { benchFanOutAlone } from './relay-throughput.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} takes a positive integer, got ${args[at + 1]}`);
  return value;
};
const dir = args.includes('--profile') ? tempDir('pc-bench-fan-out-') : undefined;
try {
  const figures = await benchFanOutAlone({ agents: flag('--agents', 1000), calls: flag('--calls', 20), unloadedCalls: flag('--unloaded', 100), ...(dir ? { profileDir: dir.path } : {}) });
  console.log(JSON.stringify(figures, null, 1));
} finally {
  dir?.remove();
}
