import { writeFileSync } from 'node:fs';

const INDENT = ' '.repeat(15);

/**
 * The headless run's written account: each step with the time it happened and what was
 * observed. Notes are echoed to the terminal as they are written; details only go to the file.
 */
export class Transcript {
  private readonly lines: string[];

  constructor(
    readonly path: string,
    header: string[],
    private readonly echo: (message: string) => void,
  ) {
    this.lines = [...header];
  }

  section(title: string): void {
    this.lines.push('', title, '-'.repeat(title.length));
    this.echo(title);
  }

  note(text: string, details: string[] = []): void {
    this.lines.push(`[${clock()}] ${text}`, ...details.map((line) => INDENT + line));
    this.echo(`  ${text}`);
  }

  save(): void {
    writeFileSync(this.path, `${this.lines.join('\n')}\n`);
  }
}

function clock(): string {
  const now = new Date();
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
}

/** The secret part of callback URLs, shown as `***` as the relay's own logs do. */
export function redactHookSecrets(text: string): string {
  return text.replace(/(\/hooks\/[^/\s"'<>]+\/)[^/\s"'<>?]+/g, '$1***');
}

/** The headers that say something about the call, credentials replaced by `<redacted>`. */
export function redactHeaders(headers: Record<string, string>): string[] {
  return ['authorization', 'content-type', 'accept']
    .filter((name) => headers[name] !== undefined)
    .map((name) => `${name}: ${name === 'authorization' ? `${headers[name]!.split(' ')[0]} <redacted>` : headers[name]}`);
}

/** A form body, one decoded `name=value` per line, callback secrets redacted. */
export function formLines(body: string | null): string[] {
  if (!body) return [];
  return [...new URLSearchParams(body)].map(([name, value]) => `${name}=${redactHookSecrets(value)}`);
}
