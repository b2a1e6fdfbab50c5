/**
 * `npx tsx tests/bench/registered-agents.ts [--rounds N] [--calls N] [--agents N]`: new calls per
 * second and the relay's CPU per webhook with one agent registered and with `--agents` (10,000 by
 * default), on relays of their own, alternately: whether "flat from 1 to 10,000 registered agents"
 * (issue 13) holds, without the rest of `pnpm bench relay`. Prints each round's figures, then
 * each round's ratios (many agents against one).
 */
import { positiveIntegerFlag } from './flags.ts';
import { benchRegisteredAgents } from './relay-throughput.ts';

const args = process.argv.slice(2);
const many = positiveIntegerFlag(args, '--agents', 10_000);
const rounds = await benchRegisteredAgents({ rounds: positiveIntegerFlag(args, '--rounds', 2), calls: positiveIntegerFlag(args, '--calls', 1000), counts: [1, many] });
const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
console.log(JSON.stringify(rounds.map((round) => ({ rate: ratio(round[many]!.webhooksPerSecond, round[1]!.webhooksPerSecond), cpu: ratio(round[many]!.serverCpuMs, round[1]!.serverCpuMs) }))));
