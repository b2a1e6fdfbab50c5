import { WEBHOOK_EVENTS } from '@phone-connector/shared';
import { isInstanceUidForm } from './auth/token.ts';

/**
 * Structured logs: one JSON object per line on stdout. Callers pass fields, never tokens,
 * config values or callback secrets (`hookPathForLog` masks the latter).
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function createLogger(options: { level?: LogLevel; write?: (line: string) => void; now?: () => number } = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? stdoutLines();
  const time = timeStamps(options.now ?? Date.now);
  const emit = (level: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const entry: LogFields = { time: time(), level, msg };
    // By key, not Object.entries: an array per field and one of them all for every line, a webhook's access line among them (issue 13).
    for (const key in fields) {
      const value = fields[key];
      entry[key] = value instanceof Error ? value.message : value;
    }
    write(`${JSON.stringify(entry)}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/**
 * The time of a line, ISO 8601 to the millisecond: the stamp of the millisecond before is given
 * again while the clock has not moved on. A `Date` and its `toISOString` for every line were
 * about half of a webhook's access line (1.2 of 2.6 µs in a probe), and under a burst a
 * millisecond holds several webhooks' lines (issue 13).
 */
function timeStamps(now: () => number): () => string {
  let stampedAt = Number.NaN;
  let stamp = '';
  return () => {
    const at = now();
    if (at !== stampedAt) {
      stampedAt = at;
      stamp = new Date(at).toISOString();
    }
    return stamp;
  };
}

/**
 * Writes lines in batches: those of one turn of the event loop go out in one write, once the
 * turn is over (`setImmediate`). On Linux a write to stdout is a system call of its own, made
 * synchronously (a pipe, a file or a terminal), and one per line was about 2 % of the relay's
 * CPU under a webhook burst (issue 13). `flush` writes what is pending at once.
 */
export function lineBatcher(sink: (text: string) => void): { write: (line: string) => void; flush: () => void } {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    sink(text);
  };
  return {
    write: (line) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push(line);
    },
    flush,
  };
}

let stdout: ((line: string) => void) | undefined;

/** The process's one batched stdout; what is pending when the process exits (`process.exit`, a crash) is written then. */
function stdoutLines(): (line: string) => void {
  if (!stdout) {
    const batcher = lineBatcher((text) => process.stdout.write(text));
    process.on('exit', batcher.flush);
    stdout = batcher.write;
  }
  return stdout;
}

/**
 * A request path as the logs show it: under `/hooks/`, a segment is kept only when it cannot be
 * a callback secret (an instance uid by its form, or an event name) and every other one is
 * `***`. Masking by what a segment is rather than where it stands holds for malformed paths
 * too: in `/hooks//{instance}/{secret}/status` the secret is not the second segment.
 */
export function hookPathForLog(path: string): string {
  const known = shownPaths.get(path);
  if (known !== undefined) return known;
  const shown = maskedHookPath(path);
  if (shownPaths.size >= SHOWN_PATHS) shownPaths.delete(shownPaths.keys().next().value!);
  shownPaths.set(path, shown);
  return shown;
}

/**
 * The paths shown last, by the path: every webhook of an instance and event has the same path,
 * and its split and the test of each segment cost the webhook's log line more than the rest of
 * it (2 % of a served relay's thread in a profile by function, 16 senders; issue 13).
 */
const shownPaths = new Map<string, string>();
const SHOWN_PATHS = 64;

function maskedHookPath(path: string): string {
  const segments = path.split('/');
  const first = segments.findIndex((segment) => segment !== '');
  if (segments[first]?.toLowerCase() !== 'hooks') return path;
  // Appended, not mapped and joined: the optimised join deopted on the array the builtin map makes (shared/src/runtime/reply.ts, issue 13).
  let shown = segments[0]!;
  for (let i = 1; i < segments.length; i++) shown += `/${i <= first || shownInLog(segments[i]!) ? segments[i] : '***'}`;
  return shown;
}

/** A module function, not a closure per line: tsx's keepNames costs a `defineProperty` per named closure made (issue 13). */
function shownInLog(segment: string): boolean {
  return segment === '' || isInstanceUidForm(segment) || (WEBHOOK_EVENTS as readonly string[]).includes(segment);
}
