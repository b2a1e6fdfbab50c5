import WebSocket from 'ws';

/** `"call_id":"` in a relay event or a forwarder frame: found without parsing the message, so that 1,000 sockets cost the bench little. */
const CALL_ID = Buffer.from('"call_id":"');
const QUOTE = 0x22;

/**
 * One agent's socket as the bench sees it: when each message naming a call arrived. Against the
 * relay it authenticates with the agent's token (the relay sends a welcome first, which names no call).
 */
export class BenchSocket {
  /** Arrival times (performance.now()) of the messages naming each call, in order. */
  private readonly arrivals = new Map<string, number[]>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
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
    });
  }

  /** Resolves once the socket is open and, against the relay (`token` given), welcomed. */
  static async connect(origin: string, token?: string): Promise<BenchSocket> {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false, ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}) });
    const socket = new BenchSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      if (token) ws.once('message', () => resolve());
      else ws.once('open', () => resolve());
    });
    return socket;
  }

  /** Connects one socket per token (or `count` anonymous ones), `parallel` handshakes at a time. */
  static async connectMany(origin: string, tokens: ReadonlyArray<string | undefined>, parallel = 50): Promise<BenchSocket[]> {
    const sockets: BenchSocket[] = [];
    for (let i = 0; i < tokens.length; i += parallel) sockets.push(...(await Promise.all(tokens.slice(i, i + parallel).map((token) => BenchSocket.connect(origin, token)))));
    return sockets;
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
    this.ws.terminate();
  }

  /** Closes with a close handshake and resolves once the server has answered it. */
  closed(): Promise<void> {
    const done = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    return done;
  }
}
