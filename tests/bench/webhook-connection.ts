/**
 * The relay bench's HTTP/1.1 client: one kept-alive TCP connection per sender, each request's
 * bytes written as they were built before the clock started, each answer read by a reader that
 * knows no more of HTTP than an answer to a POST needs (status line, headers, a body by
 * Content-Length or chunked). node:http's client, with its Agent, request and response objects
 * and header handling, cost the bench's process 0.06 to 0.12 ms per webhook on the two cores the
 * server under test needs (issue 13), where a provider sends from other machines; this one
 * about half of that, the bench's socket included (alternated webhook-cpu.ts runs, 0.036 against
 * 0.07 to 0.09 ms per webhook sent to the forwarder).
 *
 * Strict where node:http would be lenient: an answer the reader cannot frame, or one that
 * ends its connection, fails the sender's webhook rather than be retried, as a bench's must.
 */
import { connect, type Socket } from 'node:net';

/** A POST's bytes: request line, headers (Host, Content-Type, Content-Length, the signature), body. */
export function postRequest(host: string, path: string, headers: Record<string, string>, body: string): Buffer {
  const content = Buffer.from(body, 'utf8');
  let head = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  head += `Content-Length: ${content.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), content]);
}

const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const HTTP_1 = Buffer.from('HTTP/1.', 'latin1');
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');
/** Longer than any head or chunk-size line a server under test sends: past it the input is not an answer. */
const MAX_LINE_BYTES = 16 * 1024;

/** Where the reader is in an answer; between answers (`idle`) no byte may come. */
type Reading = 'idle' | 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer';

/** Where CRLF starts in `input` between `from` and `to`, or -1. */
function findCrlf(input: Buffer, from: number, to: number): number {
  for (let i = from; i + 1 < to; i++) if (input[i] === CR && input[i + 1] === LF) return i;
  return -1;
}

/** The end of the head's line starting at `from`: its CRLF, or the head's `end` for the last line. */
function endOfLine(input: Buffer, from: number, end: number): number {
  const found = findCrlf(input, from, end);
  return found < 0 ? end : found;
}

/** The code of a status line `HTTP/1.x NNN reason`. */
function statusCode(input: Buffer, from: number, to: number): number {
  const bad = () => new Error(`bad status line: ${JSON.stringify(input.toString('latin1', from, to))}`);
  if (to - from < 12 || !HTTP_1.every((byte, i) => input[from + i] === byte) || (input[from + 7] !== 0x30 && input[from + 7] !== 0x31) || input[from + 8] !== 0x20) throw bad();
  if (to - from > 12 && input[from + 12] !== 0x20) throw bad();
  let code = 0;
  for (let i = from + 9; i < from + 12; i++) {
    const digit = input[i]! - 0x30;
    if (digit < 0 || digit > 9) throw bad();
    code = code * 10 + digit;
  }
  return code;
}

/** Whether the header name from `from` to `to` is `lowerName`, in any case (ASCII letters' lower case is their 0x20 bit). */
function nameIs(input: Buffer, from: number, to: number, lowerName: Buffer): boolean {
  if (to - from !== lowerName.length) return false;
  for (let i = 0; i < lowerName.length; i++) if ((input[from + i]! | 0x20) !== lowerName[i]) return false;
  return true;
}

/** A Content-Length's value: decimal digits between optional spaces or tabs. */
function contentLengthValue(input: Buffer, from: number, to: number): number {
  while (from < to && (input[from] === 0x20 || input[from] === 0x09)) from++;
  while (to > from && (input[to - 1] === 0x20 || input[to - 1] === 0x09)) to--;
  if (from === to || to - from > 15) throw new Error(`bad Content-Length: ${JSON.stringify(input.toString('latin1', from, to))}`);
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = input[i]! - 0x30;
    if (digit < 0 || digit > 9) throw new Error(`bad Content-Length: ${JSON.stringify(input.toString('latin1', from, to))}`);
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Frames answers out of the bytes a connection reads, however they are split: `read` takes each
 * chunk and calls `answered` with the status of every answer it completes. Throws on anything it
 * cannot frame: a malformed status line or header, an answer whose body has no length (it would
 * end the connection), a bad chunk, a byte past the last answer expected.
 */
export class AnswerReader {
  private state: Reading = 'idle';
  private input: Buffer | undefined;
  private at = 0;
  private status: number = 0;
  /** Body or chunk bytes still to come. */
  private left = 0;

  constructor(private readonly answered: (status: number) => void) {}

  /** The next answer may come: called as each request is written. */
  expect(): void {
    if (this.state !== 'idle') throw new Error('a request sent before the last answer was read (no pipelining)');
    this.state = 'head';
  }

  read(chunk: Buffer): void {
    this.input = this.input && this.at < this.input.length ? Buffer.concat([this.input.subarray(this.at), chunk]) : chunk;
    this.at = 0;
    const input = this.input;
    for (;;) {
      switch (this.state) {
        case 'idle':
          if (this.at < input.length) throw new Error(`${input.length - this.at} bytes came after the answer, none asked for`);
          return;
        case 'head': {
          const end = this.headEnd();
          if (end < 0) return;
          this.readHead(input, this.at, end);
          this.at = end + 4;
          break;
        }
        case 'body':
        case 'chunk-data': {
          const taken = Math.min(this.left, input.length - this.at);
          this.at += taken;
          this.left -= taken;
          if (this.left > 0) return;
          if (this.state === 'body') this.complete();
          else this.state = 'chunk-end';
          break;
        }
        case 'chunk-size': {
          const end = this.lineEnd();
          if (end < 0) return;
          // Chunk extensions (`;name=value`) are allowed and mean nothing here.
          const size = input.toString('latin1', this.at, end).split(';', 1)[0]!.trim();
          if (!/^[0-9a-fA-F]{1,8}$/.test(size)) throw new Error(`bad chunk size line: ${JSON.stringify(size)}`);
          this.at = end + 2;
          this.left = parseInt(size, 16);
          this.state = this.left === 0 ? 'trailer' : 'chunk-data';
          break;
        }
        case 'chunk-end':
          if (input.length - this.at < 2) return;
          if (input[this.at] !== CR || input[this.at + 1] !== LF) throw new Error('a chunk not followed by CRLF');
          this.at += 2;
          this.state = 'chunk-size';
          break;
        case 'trailer': {
          const end = this.lineEnd();
          if (end < 0) return;
          const empty = end === this.at;
          this.at = end + 2;
          if (empty) this.complete();
          break;
        }
      }
    }
  }

  /** Whether an answer is under way: the connection ending now cuts it off. */
  get reading(): boolean {
    return this.state !== 'idle';
  }

  /** Where the next CRLF starts, or -1 while it has not come. */
  private lineEnd(): number {
    const found = findCrlf(this.input!, this.at, this.input!.length);
    if (found < 0 && this.input!.length - this.at > MAX_LINE_BYTES) throw new Error(`no end of line in ${MAX_LINE_BYTES} bytes`);
    return found;
  }

  /** Where the head's blank line (CRLF CRLF) starts, or -1 while it has not come. */
  private headEnd(): number {
    const input = this.input!;
    for (let i = this.at; i + 3 < input.length; i++) {
      if (input[i] === CR && input[i + 1] === LF && input[i + 2] === CR && input[i + 3] === LF) return i;
    }
    if (input.length - this.at > MAX_LINE_BYTES) throw new Error(`no end of the head in ${MAX_LINE_BYTES} bytes`);
    return -1;
  }

  /**
   * The head in `input` from `from` to `end` (where its blank line starts), read byte by byte in
   * JS: Buffer's indexOf and toString are calls into C++, a dozen per answer, which cost more than
   * the loops (a head of six lines decoded and split: 3.7 to 7.6 µs per answer in a hot loop at
   * load 7; read in JS: 1.4 to 2.6). Only Transfer-Encoding's value is decoded.
   */
  private readHead(input: Buffer, from: number, end: number): void {
    let eol = endOfLine(input, from, end);
    const status = statusCode(input, from, eol);
    let contentLength: number | undefined;
    let chunked = false;
    for (let line = eol + 2; line < end; line = eol + 2) {
      eol = endOfLine(input, line, end);
      let colon = line;
      while (colon < eol && input[colon] !== COLON) colon++;
      if (colon === line || colon === eol) throw new Error(`bad header line: ${JSON.stringify(input.toString('latin1', line, eol))}`);
      if (nameIs(input, line, colon, CONTENT_LENGTH)) {
        const value = contentLengthValue(input, colon + 1, eol);
        if (contentLength !== undefined && contentLength !== value) throw new Error(`two Content-Lengths: ${contentLength} and ${value}`);
        contentLength = value;
      } else if (nameIs(input, line, colon, TRANSFER_ENCODING)) {
        const value = input.toString('latin1', colon + 1, eol).trim();
        const codings = value.toLowerCase().split(',').map((coding) => coding.trim());
        if (codings.at(-1) !== 'chunked') throw new Error(`a body not framed by chunks (Transfer-Encoding: ${value}) ends only with the connection`);
        chunked = true;
      }
    }
    // An interim answer (100 Continue, 103 Early Hints): the final one follows.
    if (status >= 100 && status < 200) return;
    this.status = status;
    if (status === 204 || status === 304) this.complete();
    else if (chunked) this.state = 'chunk-size';
    else if (contentLength !== undefined) {
      this.left = contentLength;
      this.state = 'body';
    } else throw new Error(`answer ${status} has no Content-Length nor chunks: its body would end only with the connection`);
  }

  private complete(): void {
    this.state = 'idle';
    this.answered(this.status);
  }
}

/** One sender's kept-alive connection: one request at a time, each resolving with its answer's status once the answer is read. */
export class WebhookConnection {
  private pending: { resolve: (status: number) => void; reject: (error: Error) => void } | undefined;
  /** Why the connection cannot be used any more: every later `send` fails with it. */
  private failure: Error | undefined;
  private readonly reader = new AnswerReader((status) => {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) throw new Error(`an answer (${status}) to no request`);
    pending.resolve(status);
  });

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.read(chunk);
      } catch (error) {
        this.fail(error as Error);
        socket.destroy();
      }
    });
    socket.on('error', (error) => this.fail(error));
    // The server ending the connection (its FIN), an answer due or not: no later request can go. A reset is an 'error'.
    socket.on('end', () => this.fail(new Error(this.reader.reading ? 'the connection ended before the answer' : 'the server ended the connection')));
    socket.on('close', () => this.fail(new Error('the connection closed')));
  }

  /** A connection to `hostname:port`, Nagle's algorithm off (each request is one write), once it is established. */
  static open(hostname: string, port: number): Promise<WebhookConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new WebhookConnection(socket));
      });
    });
  }

  /** Writes a request built by `postRequest` and resolves with its answer's status once the answer's body has been read. */
  send(request: Buffer): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.reader.expect();
      this.pending = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.failure ??= new Error('the bench closed the connection');
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(this.failure);
  }
}
