import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { countJit } from './jit-trace.ts';

describe('countJit', () => {
  it("counts V8's own trace: a function optimised for one map, thrown away on another, compiled again", () => {
    const script = [
      'function sum(o) { return o.a + o.b; }',
      '%PrepareFunctionForOptimization(sum); sum({ a: 1, b: 2 });',
      '%OptimizeFunctionOnNextCall(sum); sum({ a: 1, b: 2 });',
      // Another key order: another map, which the optimised code checks for and deopts on.
      'sum({ b: 2, a: 1 });',
      '%OptimizeFunctionOnNextCall(sum); sum({ b: 2, a: 1 });',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', '--trace-opt', '--trace-deopt', '-e', script], { encoding: 'utf8' });
    const jit = countJit(run.stdout.split('\n'));
    expect(jit.compiled).toContainEqual({ site: 'sum', count: 2 });
    expect(jit.deopted).toContainEqual({ site: 'sum: wrong map (deopt-eager)', count: 1 });
    expect(jit.deopts).toBe(1);
    expect(jit.compiles).toBeGreaterThanOrEqual(2);
  });

  it('counts code invalidated by a changed assumption, names anonymous functions as such, ignores other lines', () => {
    const jit = countJit([
      '[completed compiling 0x1da03ce82a01 <JSFunction (sfi = 0x35fb1dde2b39)> (target TURBOFAN) OSR - took 0.030, 1.628, 0.010 ms]',
      '[bailout (kind: deopt-soft, reason: Insufficient type feedback for call): begin. deoptimizing 0x1da03ce82a01 <JSFunction (sfi = 0x35fb1dde2b39)>, 0x35fb1dde4411 <Code TURBOFAN>, opt id 1]',
      '[marking dependent code 0x2c665c1f8079 <Code TURBOFAN> (0x22b993ff5971 <SharedFunctionInfo insertCall>) (opt id 180) for deoptimization, reason: code dependencies]',
      '{"level":30,"msg":"listening"}',
    ]);
    expect(jit).toEqual({
      compiles: 1,
      deopts: 2,
      compiled: [{ site: '(anonymous)', count: 1 }],
      deopted: [
        { site: '(anonymous): Insufficient type feedback for call (deopt-soft)', count: 1 },
        { site: 'insertCall: code dependencies (invalidated)', count: 1 },
      ],
    });
  });
});
