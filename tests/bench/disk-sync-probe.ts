/**
 * `npx tsx tests/bench/disk-sync-probe.ts [--rounds N] [--grow]`: what one sync of the relay's
 * write-ahead log costs on this machine's disk, fsync against fdatasync (issue 13). Each round
 * writes 32 KiB (a batch of 16 webhooks' log frames, about) then syncs, 50 times of each kind, the
 * kinds taking turns going first. The writes land inside a file of fixed size, as SQLite's log
 * reused after a checkpoint, or with `--grow` past its end, as a log that grows. A check of the
 * disk, not figures for the docs: the file goes under the system's temporary directory (set
 * TMPDIR to probe another disk).
 */
import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { positiveIntegerFlag } from './flags.ts';
import { inTurn } from './in-turn.ts';

const args = process.argv.slice(2);
const rounds = positiveIntegerFlag(args, '--rounds', 20);
const grow = args.includes('--grow');
const syncsPerRound = 50;
const fileBlocks = 64;
const block = Buffer.alloc(32 * 1024, 7);
const kinds = { fsync: fsyncSync, fdatasync: fdatasyncSync };

const dir = mkdtempSync(join(tmpdir(), 'pc-disk-sync-'));
const fd = openSync(join(dir, 'log'), 'w+');
try {
  for (let i = 0; i < fileBlocks; i++) writeSync(fd, block, 0, block.length, i * block.length);
  fsyncSync(fd);
  const times: Record<keyof typeof kinds, number[]> = { fsync: [], fdatasync: [] };
  let written = 0;
  for (let round = 0; round < rounds; round++) {
    for (const kind of inTurn(Object.keys(kinds) as Array<keyof typeof kinds>, round)) {
      for (let i = 0; i < syncsPerRound; i++) {
        const at = grow ? fileBlocks + written : written % fileBlocks;
        written++;
        writeSync(fd, block, 0, block.length, at * block.length);
        const start = process.hrtime.bigint();
        kinds[kind](fd);
        times[kind].push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }
  }
  for (const [kind, ms] of Object.entries(times)) {
    const sorted = [...ms].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.floor(p * (sorted.length - 1))]!.toFixed(3);
    console.log(`${kind}: ${sorted.length} syncs, p50 ${at(0.5)} / p90 ${at(0.9)} / p99 ${at(0.99)} ms`);
  }
} finally {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
}
