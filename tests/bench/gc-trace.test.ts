import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { countGc, mainIsolateOf } from './gc-trace.ts';

describe('countGc', () => {
  it("counts V8's own trace: what the main thread kept across scavenges is promoted, a worker's apart", () => {
    const script = [
      // The main thread keeps 20,000 objects across four scavenges: they are promoted, and counted as its own.
      'const kept = Array.from({ length: 20000 }, (_, i) => ({ i }));',
      "for (let k = 0; k < 4; k++) gc({ type: 'minor' });",
      "const { Worker } = require('node:worker_threads');",
      // V8's flags are the process's: the worker's isolate traces, and has `gc`, too.
      "const worker = new Worker(\"const kept = Array.from({ length: 20000 }, (_, i) => ({ i })); for (let k = 0; k < 4; k++) gc({ type: 'minor' }); require('node:worker_threads').parentPort.postMessage(kept.length);\", { eval: true });",
      "worker.on('message', () => console.log(kept.length));",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--expose-gc', '--trace-gc-nvp', '-e', script], { encoding: 'utf8' });
    const lines = run.stdout.split('\n');
    const gc = countGc(lines, mainIsolateOf(lines));
    // 20,000 objects of 16 bytes or more, whatever else start-up promoted.
    expect(gc.promotedBytes).toBeGreaterThanOrEqual(20000 * 16);
    expect(gc.otherPromotedBytes).toBeGreaterThanOrEqual(20000 * 16);
    expect(gc.scavenges).toBeGreaterThanOrEqual(4);
  });

  it("sums the scavenges of the main isolate and their pauses, counts its mark-compacts with theirs and their incremental marking, reads its heap at the first, puts other isolates apart, ignores other lines", () => {
    const lines = [
      '[7:0x3d4a1ea0]       39 ms: pause=3.7 mutator=30.2 gc=s reduce_memory=0 total_size_before=40000000 allocated=4048912 promoted=1000 new_space_survived=729664',
      '[7:0x7f54d4000f00]       40 ms: pause=1.0 mutator=3.0 gc=s reduce_memory=0 total_size_before=9000000 promoted=300 new_space_survived=1',
      '{"level":30,"msg":"listening"}',
      // The mark-compact's parts (`incremental.finalize=`) are not its incremental marking.
      '[7:0x3d4a1ea0]       90 ms: pause=9.0 mutator=40.0 gc=mc reduce_memory=0 incremental=12.5 incremental.finalize=0.4 total_size_before=88000000 promoted=0',
      '[7:0x3d4a1ea0]      120 ms: pause=0.5 mutator=20.0 gc=s reduce_memory=0 total_size_before=30000000 promoted=24 new_space_survived=8',
      '[7:0x3d4a1ea0]      140 ms: pause=1.25 mutator=20.0 gc=s reduce_memory=0 total_size_before=31000000 promoted=8 new_space_survived=8',
    ];
    expect(mainIsolateOf(lines)).toBe('0x3d4a1ea0');
    expect(countGc(lines.slice(1), '0x3d4a1ea0')).toEqual({ promotedBytes: 32, scavenges: 2, markCompacts: 1, otherPromotedBytes: 300, scavengePauseMs: 1.75, markCompactPauseMs: 9, incrementalMarkingMs: 12.5, heapBytesAtFirst: 88000000 });
    expect(countGc([], '0x3d4a1ea0').heapBytesAtFirst).toBeUndefined();
  });
});
