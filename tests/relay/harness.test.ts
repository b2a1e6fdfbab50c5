import { describe, expect, it } from 'vitest';
import { parseLine } from './harness.ts';

describe('parseLine', () => {
  it("reads a log line of the relay's, also after the start of a V8 trace line another thread wrote before it", () => {
    const listening = '{"level":"info","msg":"listening","port":43973}';
    expect(parseLine(listening)).toEqual({ level: 'info', msg: 'listening', port: 43973 });
    expect(parseLine(`[461:0x7f0040001000]       38 ms: ${listening}`)).toEqual({ level: 'info', msg: 'listening', port: 43973 });
    expect(parseLine('[461:0x7f0040001000]       38 ms: pause=0.8 mutator=3.1 gc=s promoted=0')).toBeUndefined();
    expect(parseLine('Debugger listening on ws://127.0.0.1:9229/x')).toBeUndefined();
  });
});
