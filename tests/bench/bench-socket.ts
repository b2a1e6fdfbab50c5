import WebSocket from 'ws';

/** `"call_id":"` in a relay event or a forwarder frame: found without parsing the message, so that 1,000 sockets cost the bench little. */
const CALL_ID = Buffer.from('"call_id":"');
const QUOTE = 0x22;
/** How a relay event begins (agent-socket.ts `messageHead`): its seq follows. */
const EVENT_HEAD = Buffer.from('{"type":"call","seq":');

/** A connection that ended without the bench closing it: the relay cut it off, or it failed. */
export interface SocketClose {
  /** 1006 when the connection ended without a close frame (the relay's cut-off of a slow client, or a missed heartbeat). */
  code: number;
  reason: string;
  /** When (performance.now()). */
  at: number;
  /** The last event's seq the socket had then: where it resumed. */
  lastSeq: number;
}

/**
 * One agent's socket as the bench sees it: when each message naming a call arrived. Against the
 * relay it authenticates with the agent's token (the relay sends a welcome first, which names no
 * call) and, when the connection ends without the bench closing it, reconnects with the last seq
 * it got, as the extension does: the relay replays what it missed. Every such end is kept
 * (`closes`): a bench whose socket stayed cut off lost the rest of its events, and waited for them
 * until its deadline (the CRM row's warm-up once lost 14 of 2,000 calls so, issue 10).
 */
export class BenchSocket {
  /** Arrival times (performance.now()) of the messages naming each call, in order. */
  private readonly arrivals = new Map<string, number[]>();
  /** The connections that ended without `close`/`closed`, oldest first. */
  readonly closes: SocketClose[] = [];
  /** The last relay event's seq. */
  private lastSeq = 0;
  private closing = false;
  private ws!: WebSocket;

  private constructor(
    private readonly origin: string,
    private readonly token: string | undefined,
  ) {}

  /** Resolves once the socket is open and, against the relay (`token` given), welcomed. */
  static async connect(origin: string, token?: string): Promise<BenchSocket> {
    const socket = new BenchSocket(origin, token);
    await socket.open(null);
    return socket;
  }

  /** Connects one socket per token (or `count` anonymous ones), `parallel` handshakes at a time. */
  static async connectMany(origin: string, tokens: ReadonlyArray<string | undefined>, parallel = 50): Promise<BenchSocket[]> {
    const sockets: BenchSocket[] = [];
    for (let i = 0; i < tokens.length; i += parallel) sockets.push(...(await Promise.all(tokens.slice(i, i + parallel).map((token) => BenchSocket.connect(origin, token)))));
    return sockets;
  }

  /** Opens a connection (resuming after `lastSeq` when given); resolves once it is open and, against the relay, welcomed. */
  private open(lastSeq: number | null): Promise<void> {
    const query = lastSeq === null ? '' : `?last_seq=${lastSeq}`;
    const ws = new WebSocket(`${this.origin.replace(/^http/, 'ws')}/ws${query}`, { perMessageDeflate: false, ...(this.token ? { headers: { Authorization: `Bearer ${this.token}` } } : {}) });
    this.ws = ws;
    ws.on('message', (data: Buffer) => this.onMessage(data));
    let welcomed = false;
    const ready = new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      if (this.token) ws.once('message', () => resolve());
      else ws.once('open', () => resolve());
    }).then(() => void (welcomed = true));
    ws.once('close', (code, reason) => {
      if (this.closing) return;
      this.closes.push({ code, reason: reason.toString(), at: performance.now(), lastSeq: this.lastSeq });
      // The forwarder has no seqs to resume from: its socket stays closed, and the bench's deadline
      // says so. A reconnection that failed is not tried again: the relay is gone.
      if (this.token && welcomed) this.open(this.lastSeq).catch(() => {});
    });
    return ready;
  }

  private onMessage(data: Buffer): void {
    const at = performance.now();
    if (this.token && data.subarray(0, EVENT_HEAD.length).equals(EVENT_HEAD)) {
      const from = EVENT_HEAD.length;
      this.lastSeq = Number(data.toString('latin1', from, data.indexOf(0x2c, from)));
    }
    const key = data.indexOf(CALL_ID);
    if (key < 0) return;
    const from = key + CALL_ID.length;
    // The id copied out of the frame, not cut from the message decoded: a string cut from another
    // keeps that one alive, and the arrivals kept each ~1 KB relay message per socket and call
    // (the forwarder's ~90-byte frame) until the bench's scavenges took 20 ms and more (issue 13).
    const callId = data.toString('latin1', from, data.indexOf(QUOTE, from));
    const seen = this.arrivals.get(callId);
    if (seen) seen.push(at);
    else this.arrivals.set(callId, [at]);
  }

  /** How many messages named the call so far. */
  count(callId: string): number {
    return this.arrivals.get(callId)?.length ?? 0;
  }

  /** When the `nth` message (0: the first) naming the call arrived. */
  arrival(callId: string, nth = 0): number | undefined {
    return this.arrivals.get(callId)?.[nth];
  }

  close(): void {
    this.closing = true;
    this.ws.terminate();
  }

  /** Closes with a close handshake and resolves once the server has answered it. */
  closed(): Promise<void> {
    this.closing = true;
    const done = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    return done;
  }
}
