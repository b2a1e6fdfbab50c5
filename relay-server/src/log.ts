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

export function createLogger(options: { level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const emit = (level: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const entry: LogFields = { time: new Date().toISOString(), level, msg };
    for (const [key, value] of Object.entries(fields)) entry[key] = value instanceof Error ? value.message : value;
    write(`${JSON.stringify(entry)}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** `/hooks/{instance}/{secret}/{event}` with the secret masked. */
export function hookPathForLog(path: string): string {
  return path.replace(/^(\/hooks\/[^/]*\/)[^/]*/, '$1***');
}
