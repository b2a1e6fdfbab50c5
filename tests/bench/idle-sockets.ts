/**
 * `npx tsx tests/bench/idle-sockets.ts [--rounds N] [--sockets N]`: what an idle connected socket
 * costs the relay and the bare forwarder, without the rest of `pnpm bench relay` (idle-memory.ts:
 * the memory after a full collection with none, N and 2N sockets connected; per socket, the slope
 * from N to 2N), each round on servers of its own: a check of the figure's spread, or while working
 * on what a socket keeps.
 */
import { positiveIntegerFlag } from './flags.ts';
import { benchIdleSockets, medianIdle } from './relay-throughput.ts';

const args = process.argv.slice(2);
const rounds = await benchIdleSockets({ rounds: positiveIntegerFlag(args, '--rounds', 3), sockets: positiveIntegerFlag(args, '--sockets', 1000) });
console.log(JSON.stringify({ forwarder: medianIdle(rounds.map((r) => r.forwarder)), relay: medianIdle(rounds.map((r) => r.relay)) }, null, 1));
