import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeTwilioSignature } from '@phone-connector/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateToken, hashToken } from './auth/token.ts';
import { MAX_WEBHOOK_BYTES } from './hooks/guard/index.ts';
import { createLogger } from './log.ts';
import { type RunningRelay, startRelay } from './server.ts';

const AUTH_TOKEN = 'keep-alive-test-token';

let dir: string;
let relay: RunningRelay;
let token: string;
let statusUrl: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relay-keep-alive-'));
  relay = await startRelay({ port: 0, host: '127.0.0.1', db: join(dir, 'relay.db'), log: createLogger({ write: () => {} }) });
  token = generateToken();
  await relay.store.addAgent({ id: 'ada', name: 'Ada', number: '+14155550111', email: null, admin: false, tokenHash: hashToken(token), createdAt: new Date().toISOString() });
  const put = await fetch(`${relay.publicUrl}/api/v1/instances/main`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ connector: 'twilio', config: { authid: 'AC1', authtoken: AUTH_TOKEN, callerid: '+15005550006' } }),
  });
  statusUrl = ((await put.json()) as { callbacks: { status: string } }).callbacks.status;
});

afterEach(async () => {
  await relay.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A signed Twilio status webhook for `callSid`, as raw HTTP/1.1. */
async function statusWebhook(callSid: string): Promise<string> {
  const params = { CallSid: callSid, CallStatus: 'ringing' };
  const body = new URLSearchParams(params).toString();
  const signature = await computeTwilioSignature(AUTH_TOKEN, statusUrl, params);
  return `POST ${new URL(statusUrl).pathname} HTTP/1.1\r\nHost: relay\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: ${signature}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

/** A chunked POST whose body is `size` bytes, over the webhook limit; without its last chunk when `complete` is false. */
function oversizedChunked(path: string, size: number, complete: boolean): string {
  return `POST ${path} HTTP/1.1\r\nHost: relay\r\nTransfer-Encoding: chunked\r\n\r\n${size.toString(16)}\r\n${'a'.repeat(size)}\r\n${complete ? '0\r\n\r\n' : ''}`;
}

/** A raw connection to the relay that collects what it answers. */
class Connection {
  received = '';
  ended = false;
  private readonly socket: Socket;
  private readonly waiters = new Set<() => void>();

  constructor() {
    this.socket = connect(relay.port, '127.0.0.1');
    this.socket.setEncoding('utf8');
    // The relay may close while the test is still writing: that is an outcome, not an error.
    this.socket.on('error', () => undefined);
    this.socket.on('data', (text: string) => this.update(() => (this.received += text)));
    this.socket.on('close', () => this.update(() => (this.ended = true)));
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** The answers received so far: status line and headers (lower-cased names) of each. */
  get answers(): Array<{ status: number; headers: Record<string, string> }> {
    return this.received
      .split(/(?=HTTP\/1\.1 \d{3} )/)
      .filter((part) => part.startsWith('HTTP/1.1 '))
      .map((part) => {
        const [statusLine, ...lines] = part.slice(0, part.indexOf('\r\n\r\n')).split('\r\n');
        const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        return { status: Number(statusLine!.split(' ')[1]), headers };
      });
  }

  until(condition: (connection: Connection) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!condition(this)) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private update(change: () => void): void {
    change();
    for (const waiter of this.waiters) waiter();
  }
}

const storedCall = async (callSid: string) => relay.store.callByKey((await relay.store.instanceOf('ada', 'main'))!.uid, callSid);

describe('keep-alive connections', () => {
  it('closes the connection of a webhook refused before its body arrived, and says so', async () => {
    const connection = new Connection();
    connection.write(oversizedChunked(new URL(statusUrl).pathname, MAX_WEBHOOK_BYTES + 1024, false));
    await connection.until((c) => c.ended);
    expect(connection.answers).toEqual([{ status: 413, headers: expect.objectContaining({ connection: 'close' }) }]);
  });

  it('closes the connection of an API request refused before its body was read, and says so', async () => {
    const connection = new Connection();
    connection.write(oversizedChunked(`/api/v1/instances/big`, 1024 * 1024 + 1024, false).replace('Host: relay', `Host: relay\r\nAuthorization: Bearer ${token}`));
    await connection.until((c) => c.ended);
    expect(connection.answers).toEqual([{ status: 413, headers: expect.objectContaining({ connection: 'close' }) }]);
  });

  it('processes no request pipelined behind such an answer: nothing is stored that is not answered', async () => {
    // However much of the refused body is left, the webhook behind it is answered, or not processed at all.
    for (const left of [1, 4 * 1024, 32 * 1024, 256 * 1024]) {
      const callSid = `CApipelined${left}`;
      const connection = new Connection();
      // The whole oversized body and the next webhook at once, so the server could parse both.
      connection.write(oversizedChunked(new URL(statusUrl).pathname, MAX_WEBHOOK_BYTES + left, true) + (await statusWebhook(callSid)));
      await connection.until((c) => c.ended || c.answers.length === 2);
      const [refused, next] = connection.answers;
      expect(refused!.status, `${left} bytes left`).toBe(413);
      if (next) {
        expect([refused!.headers.connection, next.status], `${left} bytes left`).toEqual(['keep-alive', 200]);
        expect(await storedCall(callSid), `${left} bytes left`).toBeDefined();
      } else {
        expect(refused!.headers.connection, `${left} bytes left`).toBe('close');
        expect(await storedCall(callSid), `${left} bytes left`).toBeUndefined();
      }
      connection.close();
    }
  });

  it('keeps the connection open across requests whose bodies were read', async () => {
    const connection = new Connection();
    connection.write((await statusWebhook('CAfirst')) + (await statusWebhook('CAsecond')));
    await connection.until((c) => c.answers.length === 2);
    connection.write(`GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n`);
    await connection.until((c) => c.answers.length === 3);
    expect(connection.answers.map((a) => [a.status, a.headers.connection])).toEqual([
      [200, 'keep-alive'],
      [200, 'keep-alive'],
      [200, 'keep-alive'],
    ]);
    expect(connection.ended).toBe(false);
    expect(await storedCall('CAfirst')).toBeDefined();
    expect(await storedCall('CAsecond')).toBeDefined();
    connection.close();
  });
});

// Served by Node, the guard reads the headers from Node's raw list rather than a fetch Headers: the same reading.
describe('webhook headers as Node received them', () => {
  it('finds the signature header whatever the case of its name', async () => {
    const connection = new Connection();
    connection.write((await statusWebhook('CAcase')).replace('X-Twilio-Signature:', 'x-TWILIO-signature:'));
    await connection.until((c) => c.answers.length === 1);
    expect(connection.answers[0]!.status).toBe(200);
    expect(await storedCall('CAcase')).toBeDefined();
    connection.close();
  });

  it('joins a repeated header as fetch does, so a signature sent twice matches nothing and is refused', async () => {
    const webhook = await statusWebhook('CAtwice');
    const signatureLine = /X-Twilio-Signature: [^\r]*\r\n/.exec(webhook)![0];
    const connection = new Connection();
    connection.write(webhook.replace(signatureLine, signatureLine + signatureLine));
    await connection.until((c) => c.answers.length === 1);
    expect(connection.answers[0]!.status).toBe(403);
    expect(await storedCall('CAtwice')).toBeUndefined();
    connection.close();
  });
});
