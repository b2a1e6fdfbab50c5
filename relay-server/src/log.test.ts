import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WEBHOOK_EVENTS } from '@phone-connector/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCallbackSecret, randomId } from './auth/token.ts';
import { createLogger, hookPathForLog, lineBatcher } from './log.ts';
import { testRelay } from './testing.ts';

const secret = generateCallbackSecret();
const uid = randomId('in_');

/** Every way a path segment can carry the secret, or something else entirely. */
const segment = fc.oneof(
  fc.constant(secret),
  fc.constant(uid),
  fc.constantFrom(...WEBHOOK_EVENTS, '', 'hooks', '.', '..'),
  fc.string({ maxLength: 40 }).filter((s) => !s.includes('/')),
  fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })).map(([before, after]) => `${before}${secret}${after}`.replaceAll('/', '')),
  // The secret percent-encoded, character by character or only in part.
  fc.nat(secret.length).map((n) => [...secret].map((c, i) => (i < n ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c)).join('')),
);
/** `/hooks/…` with any number of slashes before and around it, any spelling of `hooks`, any segments after it. */
const hookPath = fc
  .tuple(fc.nat(3), fc.constantFrom('hooks', 'Hooks', 'HOOKS'), fc.array(segment, { maxLength: 7 }))
  .map(([leading, hooks, rest]) => `${'/'.repeat(leading + 1)}${[hooks, ...rest].join('/')}`);

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

describe('createLogger', () => {
  it('writes one JSON line per entry at or above its level: time, level, message, then the fields as given, an error by its message', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
    log.debug('hidden', { a: 1 });
    log.info('webhook', { method: 'POST', status: 200, outcome: 'ok', ms: 3 });
    log.error('webhook failed', { path: '/hooks', error: new Error('disk full'), cause: undefined });
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.endsWith('}\n'))).toBe(true);
    const [info, error] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(Object.keys(info!)).toEqual(['time', 'level', 'msg', 'method', 'status', 'outcome', 'ms']);
    expect(info).toMatchObject({ level: 'info', msg: 'webhook', method: 'POST', status: 200, outcome: 'ok', ms: 3 });
    expect(new Date(info!.time as string).toISOString()).toBe(info!.time);
    expect(error).toEqual({ time: expect.any(String), level: 'error', msg: 'webhook failed', path: '/hooks', error: 'disk full' });
  });

  it("stamps each line with its millisecond's time, a stamp given again only within the same millisecond", () => {
    const lines: string[] = [];
    const clock = [Date.UTC(2026, 11, 4, 17, 0, 0, 1), Date.UTC(2026, 11, 4, 17, 0, 0, 1), Date.UTC(2026, 11, 4, 17, 0, 0, 2), Date.UTC(2026, 11, 4, 18, 30)];
    const log = createLogger({ write: (line) => lines.push(line), now: () => clock.shift()! });
    for (const msg of ['a', 'b', 'c', 'd']) log.info(msg);
    expect(lines.map((line) => (JSON.parse(line) as { time: string }).time)).toEqual([
      '2026-12-04T17:00:00.001Z',
      '2026-12-04T17:00:00.001Z',
      '2026-12-04T17:00:00.002Z',
      '2026-12-04T18:30:00.000Z',
    ]);
  });
});

describe('hookPathForLog', () => {
  it('shows the instance and the event of a callback path, never the secret', () => {
    expect(hookPathForLog(`/hooks/${uid}/${secret}/answer`)).toBe(`/hooks/${uid}/***/answer`);
    expect(hookPathForLog('/api/v1/calls/12')).toBe('/api/v1/calls/12');
  });

  it('masks the secret of malformed callback paths', () => {
    expect(hookPathForLog(`/hooks//${uid}/${secret}/status`)).toBe(`/hooks//${uid}/***/status`);
    expect(hookPathForLog(`/hooks/${uid}//${secret}/status`)).toBe(`/hooks/${uid}//***/status`);
    expect(hookPathForLog(`//hooks/${secret}/${uid}`)).toBe(`//hooks/***/${uid}`);
  });

  it("shows each of many instances' paths as its own, asked again and again (the paths shown are kept)", () => {
    const uids = Array.from({ length: 100 }, (_, i) => `in_${String(i).padStart(16, '0')}`);
    for (let round = 0; round < 3; round++) {
      for (const id of uids) {
        expect(hookPathForLog(`/hooks/${id}/${secret}/status`)).toBe(`/hooks/${id}/***/status`);
        expect(hookPathForLog(`/hooks/${id}/${secret}${round}/incoming`)).toBe(`/hooks/${id}/***/incoming`);
      }
    }
  });

  it('never lets the secret through, whatever the shape of the path (fuzzed)', () => {
    fc.assert(
      fc.property(hookPath, (path) => {
        const logged = hookPathForLog(path);
        expect(decoded(logged)).not.toContain(secret);
        expect(logged.split('/')).toHaveLength(path.split('/').length);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the secret out of the log lines of a request on a malformed path', async () => {
    const relay = testRelay();
    const ada = await relay.addAgent('Ada', '+14155550111');
    const [, , instance, realSecret] = new URL((await relay.twilioInstance(ada.token)).status).pathname.split('/');
    const response = await relay.app.request(`/hooks//${instance}/${realSecret}/status`, { method: 'POST', body: 'CallSid=CA1' });
    expect(response.status).toBe(404);
    const lines = relay.logs.filter((line) => line.includes('"webhook'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`/hooks//${instance}/***/status`);
    expect(relay.logs.join('')).not.toContain(realSecret);
  });
});

describe('log lines on stdout', () => {
  it('go out in one write per turn of the event loop, in order', async () => {
    const writes: string[] = [];
    const batcher = lineBatcher((text) => writes.push(text));
    for (const line of ['a\n', 'b\n', 'c\n']) batcher.write(line);
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a\nb\nc\n']);
    batcher.write('d\n');
    batcher.flush();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
  });

  it('are all written when the process exits right after them, or crashes', () => {
    const log = fileURLToPath(new URL('./log.ts', import.meta.url));
    for (const [end, code] of [['process.exit(0)', 0], ["throw new Error('boom')", 1]] as const) {
      const script = `import { createLogger } from ${JSON.stringify(log)}; const log = createLogger(); log.info('first'); log.warn('second', { n: 2 }); ${end};`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
      expect(child.status).toBe(code);
      const lines = child.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.map((line) => [line.msg, line.level])).toEqual([['first', 'info'], ['second', 'warn']]);
    }
  });
});
