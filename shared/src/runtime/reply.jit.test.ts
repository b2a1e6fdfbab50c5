import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Renders Twilio's replies as the relay does, in runs of one kind then the other (incoming calls
 * dialling an agent, then status replies with no parameter), long enough for TurboFan to compile
 * the renderer, and prints V8's deopts (`--trace-deopt-verbose`: where in which file).
 */
const RENDER_RUNS = `
import { readFileSync } from 'node:fs';
import { loadConnector } from ${JSON.stringify(here('../connector/compile.ts'))};
import { renderReply } from ${JSON.stringify(here('./reply.ts'))};
const plan = loadConnector(readFileSync(${JSON.stringify(here('../../../connectors/twilio.xml'))}, 'utf8'));
const scope = { config: { authid: 'AC0' }, vars: { status_callback: 'https://relay.example/hooks/in_1/status' }, defaultCountry: undefined, configLabels: {} };
const incoming = plan.incoming.reply;
const status = plan.outgoing.status.blocks[0].reply;
let length = 0;
// Both kinds first, before anything is optimised: the replies' plans differ (a header or none),
// and the code may learn that once; what must not happen is its deopting run after run.
for (let i = 0; i < 50; i++) length += renderReply(incoming, scope, ['+14155550111']).body.length + renderReply(status, scope).body.length;
for (let run = 0; run < 20; run++) {
  for (let i = 0; i < 2000; i++) length += renderReply(incoming, scope, ['+14155550111']).body.length;
  for (let i = 0; i < 2000; i++) length += renderReply(status, scope).body.length;
}
console.log('rendered', length);
`;

describe('renderReply under the JIT', () => {
  // Its lists were made by Array.prototype.map, holey in optimised code and packed in the
  // builtin, and the optimised join and filter after it were thrown away on the other kind, again
  // at every bench phase (issue 13). V8 is free to deopt for other reasons, but none of these
  // inputs gives it one once it has seen both kinds of reply.
  it('renders runs of both kinds of reply without a deopt in its code', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--trace-deopt-verbose', '--input-type=module', '-e', RENDER_RUNS], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^rendered [1-9]/m);
    const deoptsInReply = run.stdout.split('\n').filter((line) => line.includes(';;; deoptimize at') && line.includes('/runtime/reply.ts'));
    expect(deoptsInReply).toEqual([]);
  }, 60_000);
});
