import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { countGc, countMarking, mainIsolateOf } from './gc-trace.ts';

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

  it("reads V8's own marking trace: a marking cycle that a process's growing heap starts is seen, with its steps", () => {
    // Kept objects grow the old generation until V8 starts a marking cycle on its own (no `gc()`).
    const script = 'const kept = []; for (let i = 0; i < 3e6; i++) kept.push({ i }); console.log(kept.length);';
    const run = spawnSync(process.execPath, ['--trace-gc-nvp', '--trace-incremental-marking', '-e', script], { encoding: 'utf8' });
    const lines = run.stdout.split('\n');
    const marking = countMarking(lines, 0, mainIsolateOf(lines));
    expect(marking.started).toBeGreaterThanOrEqual(1);
    expect(marking.steps).toBeGreaterThanOrEqual(1);
    // V8 prints each step's time to a tenth of a millisecond: a fast machine's steps may all read
    // "in 0.0" (a CI run did). That the times are read is the synthetic trace's test below.
    expect(marking.stepsMs).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(marking.stepsMs)).toBe(true);
  });

  it('counts the marking of the main isolate in the slice: on at its start when a cycle began before, its time clipped to the slice, its steps, a mark-compact ending it', () => {
    const lines = [
      '[7:0x3d4a1ea0]      100 ms: [IncrementalMarking] Start (allocation limit): (size/limit/slack) v8: 60MB / 55MB / 0MB',
      '[7:0x3d4a1ea0]      101 ms: [IncrementalMarking] Step in v8 V8: 64KB (64KB), embedder: 0.007855ms (0.500000ms) in 9.0',
      // The slice begins here: the cycle above is under way.
      '[7:0x3d4a1ea0]      110 ms: [IncrementalMarking] Step in v8 V8: 64KB (64KB), embedder: 0.007855ms (0.500000ms) in 0.25',
      '[7:0x7f54d4000f00]  115 ms: [IncrementalMarking] Step in v8 V8: 64KB (64KB), embedder: 0.1ms (0.5ms) in 7.0',
      '{"level":30,"msg":"listening"}',
      '[7:0x3d4a1ea0]      130 ms: pause=9.0 mutator=40.0 gc=mc reduce_memory=0 incremental=12.5 incremental.finalize=0.4 total_size_before=88000000 promoted=0',
      '[7:0x3d4a1ea0]      150 ms: pause=0.5 mutator=20.0 gc=s reduce_memory=0 total_size_before=30000000 promoted=24 new_space_survived=8',
      '[7:0x3d4a1ea0]      160 ms: [IncrementalMarking] Start (allocation limit): (size/limit/slack) v8: 70MB / 65MB / 0MB',
      '[7:0x3d4a1ea0]      165 ms: [IncrementalMarking] Step in v8 V8: 64KB (64KB), embedder: 0.007855ms (0.500000ms) in 0.5',
      '[7:0x3d4a1ea0]      175 ms: pause=0.5 mutator=20.0 gc=s reduce_memory=0 total_size_before=30000000 promoted=24 new_space_survived=8',
    ];
    // 110 -> 130 (the cycle from before, ended by the mark-compact), then 160 -> 175 (still on at the slice's end).
    expect(countMarking(lines, 2, '0x3d4a1ea0')).toEqual({ onAtStart: true, started: 1, onMs: 35, steps: 2, stepsMs: 0.75 });
    expect(countMarking(lines, 6, '0x3d4a1ea0')).toEqual({ onAtStart: false, started: 1, onMs: 15, steps: 1, stepsMs: 0.5 });
  });
});
