import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from './relay.ts';
import { AnswerReader, postRequest, WebhookConnection } from './webhook-connection.ts';

/** Feeds `bytes` to a reader in the pieces `cuts` make, `answers` requests expected one after another; the statuses answered. */
function readInPieces(bytes: Buffer, cuts: number[], answers: number): number[] {
  const statuses: number[] = [];
  const reader = new AnswerReader((status) => {
    statuses.push(status);
    if (statuses.length < answers) reader.expect();
  });
  reader.expect();
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    reader.read(bytes.subarray(from, cut));
    from = cut;
  }
  return statuses;
}

const CONTENT_LENGTH = 'HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 11\r\n\r\n<Response/>';
const CHUNKED = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4;ext=1\r\n<Res\r\n7\r\nponse/>\r\n0\r\nX-Trailer: 1\r\n\r\n';
// Header names in any case, a name that only starts like Content-Length's, spaces and tabs around the value.
const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nContent-Lengths: 3\r\nCONTENT-length:\t9 \r\n\r\nnot found';
const CONTINUE_THEN_NO_CONTENT = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 204\r\n\r\n';

describe('AnswerReader', () => {
  it('frames answers by Content-Length, by chunks (extensions, trailers), interim and bodiless ones, wherever the bytes are cut', () => {
    const stream = Buffer.from(CONTENT_LENGTH + CHUNKED + NOT_FOUND + CONTINUE_THEN_NO_CONTENT + CHUNKED, 'latin1');
    const expected = [200, 200, 404, 204, 200];
    expect(readInPieces(stream, [], 5)).toEqual(expected);
    // Every cut in one place, and every byte apart: each state resumes where a read left it.
    for (let cut = 1; cut < stream.length; cut++) expect(readInPieces(stream, [cut], 5), `cut at ${cut}`).toEqual(expected);
    expect(readInPieces(stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1), 5)).toEqual(expected);
  });

  it('does not answer before the last byte of the body', () => {
    for (const answer of [CONTENT_LENGTH, CHUNKED]) {
      const bytes = Buffer.from(answer, 'latin1');
      expect(readInPieces(bytes.subarray(0, bytes.length - 1), [], 1)).toEqual([]);
    }
  });

  it.each([
    ['a status line that is not HTTP/1.x', 'HTTP/2 200\r\nContent-Length: 0\r\n\r\n'],
    ['a status code that is not three digits', 'HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n'],
    ['a status code with a letter', 'HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n'],
    ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nx'],
    ['an empty Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n'],
    ['two Content-Lengths that differ', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx'],
    ['a body with no length (it would end only with the connection)', 'HTTP/1.1 200 OK\r\n\r\nbody'],
    ['a body not framed by chunks', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk longer than its size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n'],
    ['bytes after the answer', `${CONTENT_LENGTH}HTTP/1.1 200 OK\r\n`],
  ])('fails on %s', (_, answer) => {
    expect(() => readInPieces(Buffer.from(answer, 'latin1'), [], 1)).toThrow();
  });

  it('refuses a second request before the first answer (no pipelining)', () => {
    const reader = new AnswerReader(() => {});
    reader.expect();
    expect(() => reader.expect()).toThrow(/no pipelining/);
  });
});

/** Calls `answer` with each whole request (head and a body of its Content-Length) the socket reads, however it is cut. */
function onRequests(socket: Socket, answer: (request: string) => void): void {
  let input = '';
  socket.on('data', (chunk: Buffer) => {
    input += chunk.toString('latin1');
    for (;;) {
      const headEnd = input.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(input.slice(0, headEnd))?.[1] ?? 0);
      const end = headEnd + 4 + length;
      if (input.length < end) return;
      const request = input.slice(0, end);
      input = input.slice(end);
      answer(request);
    }
  });
}

describe('WebhookConnection', () => {
  let server: HttpServer | TcpServer | undefined;
  const accepted = new Set<Socket>();
  afterEach(async () => {
    for (const socket of accepted) socket.destroy();
    accepted.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });
  const listening = async (listener: HttpServer | TcpServer) => {
    server = listener;
    listener.on('connection', (socket: Socket) => accepted.add(socket));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    return (listener.address() as AddressInfo).port;
  };
  const readBody = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });

  it("sends each request on one kept-alive connection and reads node:http's answers, by Content-Length and by chunks", async () => {
    const received: Array<{ path: string; host: string; signature: string; body: string; remotePort: number }> = [];
    const port = await listening(
      createHttpServer(async (request, response) => {
        const body = await readBody(request);
        received.push({ path: request.url!, host: request.headers.host!, signature: String(request.headers['x-twilio-signature']), body, remotePort: request.socket.remotePort! });
        // Odd requests answered with a length, even ones in chunks (no length, the body written in two parts).
        if (received.length % 2 === 1) {
          response.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': 11 }).end('<Response/>');
        } else {
          response.writeHead(201, { 'Content-Type': 'text/xml' });
          response.write('<Res');
          setImmediate(() => response.end('ponse/>'));
        }
      }),
    );
    const connection = await WebhookConnection.open('127.0.0.1', port);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await connection.send(postRequest(`127.0.0.1:${port}`, `/hooks/x?n=${i}`, { 'X-Twilio-Signature': `sig${i}` }, `CallSid=CA${i}&From=%2B1`)));
    connection.close();
    expect(statuses).toEqual([200, 201, 200, 201, 200, 201]);
    expect(received.map(({ path, signature, body }) => ({ path, signature, body }))).toEqual(Array.from({ length: 6 }, (_, i) => ({ path: `/hooks/x?n=${i}`, signature: `sig${i}`, body: `CallSid=CA${i}&From=%2B1` })));
    expect(new Set(received.map((r) => r.host))).toEqual(new Set([`127.0.0.1:${port}`]));
    expect(new Set(received.map((r) => r.remotePort)).size).toBe(1);
  });

  it('reads answers the server writes byte by byte, across TCP segments', async () => {
    const answers = [Buffer.from(CHUNKED, 'latin1'), Buffer.from(CONTENT_LENGTH, 'latin1')];
    let requests = 0;
    const port = await listening(
      createTcpServer((socket: Socket) => {
        socket.setNoDelay(true);
        // Each byte its own write, the next once the last has left, so that the client reads the answer in many
        // pieces (the reader's every cut is tested above; this is the connection's side of it).
        onRequests(socket, () => {
          const answer = answers[requests++ % answers.length]!;
          const writeFrom = (at: number) => {
            if (at < answer.length) socket.write(answer.subarray(at, at + 1), () => setImmediate(() => writeFrom(at + 1)));
          };
          writeFrom(0);
        });
      }),
    );
    const connection = await WebhookConnection.open('127.0.0.1', port);
    for (let i = 0; i < 4; i++) expect(await connection.send(postRequest('h', '/', {}, `a=${i}`))).toBe(200);
    connection.close();
    expect(requests).toBe(4);
  });

  it.each([
    ['instead of answering', (socket: Socket) => socket.end(), /the connection ended before the answer/],
    ['in the middle of its answer', (socket: Socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'), /the connection ended before the answer/],
    ['by a reset', (socket: Socket) => socket.resetAndDestroy(), /ECONNRESET/],
  ])('fails the request whose connection the server closes %s, and every one after', async (_, close, reason) => {
    const port = await listening(createTcpServer((socket: Socket) => onRequests(socket, () => close(socket))));
    const connection = await WebhookConnection.open('127.0.0.1', port);
    const first = connection.send(postRequest('h', '/', {}, 'a=1'));
    await expect(first).rejects.toThrow(reason);
    await expect(connection.send(postRequest('h', '/', {}, 'a=2'))).rejects.toThrow(reason);
  });

  it('fails the request whose answer it cannot frame, and closes the connection', async () => {
    let closed = false;
    const port = await listening(
      createTcpServer((socket: Socket) => {
        socket.on('close', () => (closed = true));
        onRequests(socket, () => socket.write('HTTP/1.1 200 OK\r\n\r\n<Response/>'));
      }),
    );
    const connection = await WebhookConnection.open('127.0.0.1', port);
    await expect(connection.send(postRequest('h', '/', {}, 'a=1'))).rejects.toThrow(/no Content-Length nor chunks/);
    expect(await until(() => closed, 10_000)).toBe(true);
  });
});
