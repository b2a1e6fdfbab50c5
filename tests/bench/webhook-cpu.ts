/**
 * `npx tsx tests/bench/webhook-cpu.ts [--calls N] [--rounds N] [--lone N] [--warm-ups N] [--profile [--profile-interval US]] [--jit]`: the relay's CPU per
 * webhook against the bare forwarder's, each with its main thread's share (the rest is the other
 * threads': V8's compiler and collector above all) (new calls, then their updates, at 16 senders; with
 * `--lone N`, then N webhooks from one sender for the push latency), without
 * the rest of `pnpm bench relay`: a check while working on the webhook's path, not figures for
 * the docs. `--profile` adds one more relay run under `node --cpu-prof`, read by function for each
 * phase apart (self time, share of the busy CPU), sampled every `--profile-interval` µs (V8's 1,000
 * unless told; 100 gives ten times the samples: cpu-profile.ts's `cpuProfileArgs`). `--warm-ups N`
 * runs the warm-up N times (3 unless told, as `pnpm bench relay` does): what a relay serving both
 * kinds for long spends, without the optimising each phase pays again after the one before (design
 * text); `--warm-ups 1` is the bench before. `--jit` runs the relay with `--trace-opt
 * --trace-deopt` and gives each phase V8's compiles and deopts in it, by function
 * (tests/bench/jit-trace.ts).
 */
import { tempDir } from '../relay/harness.ts';
import { positiveIntegerFlag } from './flags.ts';
import { benchWebhookCpu, WARM_UP_ROUNDS } from './relay-throughput.ts';

const args = process.argv.slice(2);
const dir = args.includes('--profile') ? tempDir('pc-bench-webhook-cpu-') : undefined;
try {
  const figures = await benchWebhookCpu({ rounds: positiveIntegerFlag(args, '--rounds', 1), calls: positiveIntegerFlag(args, '--calls', 1000), unloadedCalls: args.includes('--lone') ? positiveIntegerFlag(args, '--lone', 300) : 0, warmUps: positiveIntegerFlag(args, '--warm-ups', WARM_UP_ROUNDS), jit: args.includes('--jit'), ...(dir ? { profileDir: dir.path } : {}), ...(args.includes('--profile-interval') ? { profileIntervalUs: positiveIntegerFlag(args, '--profile-interval', 1000) } : {}) });
  console.log(JSON.stringify(figures, null, 1));
} finally {
  dir?.remove();
}
