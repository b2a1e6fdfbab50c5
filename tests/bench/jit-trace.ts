/**
 * V8's `--trace-opt --trace-deopt` lines read into counts: how many functions TurboFan compiled
 * and how many optimised functions were thrown away, each named with its reason. Issue 13: the
 * relay's threads other than its main one were mostly TurboFan compiling again after deopts at
 * every bench phase; `webhook-cpu.ts --jit` counts them per phase with this.
 */

export interface JitCounts {
  /** TurboFan compiles completed (OSR ones included). */
  compiles: number;
  deopts: number;
  /** Deopts by "function: reason (kind)", most frequent first; code invalidated by a changed assumption counts as one. */
  deopted: Array<{ site: string; count: number }>;
  /** Compiles by function, most frequent first (a function compiled twice was thrown away between). */
  compiled: Array<{ site: string; count: number }>;
}

// [completed compiling 0x… <JSFunction name (sfi = 0x…)> (target TURBOFAN) - took …]
const COMPILED = /^\[completed compiling 0x[0-9a-f]+ <JSFunction ?(.*?) \(sfi/;
// [bailout (kind: deopt-eager, reason: wrong map): begin. deoptimizing 0x… <JSFunction name (sfi = 0x…)>, …]
const DEOPTED = /^\[bailout \(kind: ([^,]+), reason: (.*?)\): begin\. deoptimizing 0x[0-9a-f]+ <JSFunction ?(.*?) \(sfi/;
// [marking dependent code 0x… <Code TURBOFAN> (0x… <SharedFunctionInfo name>) (opt id 180) for deoptimization, reason: code dependencies]
const INVALIDATED = /^\[marking dependent code 0x[0-9a-f]+ <Code TURBOFAN> \(0x[0-9a-f]+ <SharedFunctionInfo ?(.*?)>\) .*reason: (.*)\]/;

export function countJit(lines: readonly string[]): JitCounts {
  const deopted = new Map<string, number>();
  const compiled = new Map<string, number>();
  for (const line of lines) {
    const compile = COMPILED.exec(line);
    if (compile) add(compiled, compile[1] || '(anonymous)');
    const deopt = DEOPTED.exec(line);
    if (deopt) add(deopted, `${deopt[3] || '(anonymous)'}: ${deopt[2]} (${deopt[1]})`);
    // Optimised code thrown away when what it assumed changed (a map, a field's type), whether or not it was running.
    const invalidated = INVALIDATED.exec(line);
    if (invalidated) add(deopted, `${invalidated[1] || '(anonymous)'}: ${invalidated[2]} (invalidated)`);
  }
  return { compiles: total(compiled), deopts: total(deopted), deopted: ranked(deopted), compiled: ranked(compiled) };
}

function add(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function total(counts: Map<string, number>): number {
  let sum = 0;
  for (const count of counts.values()) sum += count;
  return sum;
}

function ranked(counts: Map<string, number>): Array<{ site: string; count: number }> {
  return [...counts].map(([site, count]) => ({ site, count })).sort((a, b) => b.count - a.count);
}
