import { type AgentMessage, BEARER_SUBPROTOCOL_PREFIX, type CallMessage, CLOSE_CODES, parseServerMessage, PING_MESSAGE, previousSeq, RELAY_SUBPROTOCOL } from '@phone-connector/shared';

export type ConnectionState = 'not-configured' | 'connecting' | 'connected' | 'offline' | 'unauthorized';

export type CallEvent = Omit<CallMessage, 'type' | 'prev_seq'>;

export interface RelaySocketOptions {
  url: string;
  token: string;
  /** Reads the last seq handled (null before the first connection), so a reconnect resumes right after it. */
  loadSeq(): Promise<number | null>;
  /** The relay's current seq: adopted when we have none, or when the relay's history was reset. */
  onWelcome(seq: number): Promise<void>;
  /** Handles one event; the seq is stored only after this resolves, so nothing is lost. */
  onEvent(event: CallEvent): Promise<void>;
  /** The agent changed at the relay while connected (away or available, from another browser or an admin). */
  onAgent?(agent: AgentMessage['agent']): Promise<void>;
  onState(state: ConnectionState, detail?: string): void;
  /**
   * Asked when the relay turned the connection down before it opened, which a browser reports
   * as a bare 1006 without the HTTP status: whether the relay refuses the token.
   */
  tokenRefused(): Promise<boolean>;
  /** Interval of the keepalive ping; MV3 service workers sleep after 30 s without events. */
  keepaliveMs?: number;
  maxBackoffMs?: number;
  WebSocketImpl?: typeof WebSocket;
}

/**
 * The relay WebSocket: offers the token in the handshake, as the subprotocol `bearer.<token>`
 * (a browser cannot set headers on a WebSocket), with the last seq in the query; hands events
 * over one at a time in order, pings every 20 s (which keeps the service worker alive), and
 * reconnects with capped exponential backoff plus jitter. An event whose previous seq is past the
 * last one seen means one was missed: the client reconnects at once from the last seq it handled,
 * and the relay replays what it missed. A refused token (the handshake turned
 * down and the API answering 401, or close code 4401 once the agent is removed) stops the
 * retries until the settings change.
 */
export class RelaySocket {
  private socket?: WebSocket;
  private keepalive?: ReturnType<typeof setInterval>;
  private retry?: ReturnType<typeof setTimeout>;
  private attempts = 0;
  private stopped = false;
  private queue: Promise<void> = Promise.resolve();
  /** Set by a reconnect for a missed event, cleared by the next event in order: a second gap in a row backs off. */
  private resumingAfterGap = false;
  state: ConnectionState = 'connecting';

  constructor(private readonly options: RelaySocketOptions) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.keepalive);
    this.socket?.close(1000, 'settings changed');
    this.socket = undefined;
  }

  /** Reconnects now if the socket is down (called by the periodic alarm). */
  ensureConnected(): void {
    if (!this.stopped && this.state !== 'connected' && this.state !== 'connecting' && this.state !== 'unauthorized') {
      clearTimeout(this.retry);
      void this.connect();
    }
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.state = state;
    this.options.onState(state, detail);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.setState('connecting');
    const Impl = this.options.WebSocketImpl ?? WebSocket;
    // The events already received are handled first, so the relay resumes right after the last of them.
    await this.queue;
    const lastSeq = await this.options.loadSeq();
    if (this.stopped) return;
    const wsUrl = `${this.options.url.replace(/\/+$/, '').replace(/^http/, 'ws')}/ws${lastSeq === null ? '' : `?last_seq=${lastSeq}`}`;
    let socket: WebSocket;
    try {
      socket = new Impl(wsUrl, [RELAY_SUBPROTOCOL, `${BEARER_SUBPROTOCOL_PREFIX}${this.options.token}`]);
    } catch (error) {
      this.scheduleReconnect(`cannot connect to the relay: ${(error as Error).message}`);
      return;
    }
    this.socket = socket;
    let opened = false;
    /** The seq this connection resumed after, then of the last event it received; null until the welcome when we have none. */
    let lastSeen = lastSeq;
    socket.onopen = () => {
      opened = true;
    };
    socket.onmessage = (message) => {
      if (this.socket !== socket) return;
      const data = parseServerMessage(String(message.data));
      if (data?.type === 'welcome') {
        // The same rule as the stored seq's (`onWelcome`): adopted when we have none, or when the relay's history was reset.
        if (lastSeen === null || lastSeen > data.seq) lastSeen = data.seq;
        this.queue = this.queue.then(() => this.options.onWelcome(data.seq)).catch((error) => console.warn('relay welcome failed', error));
        this.attempts = 0;
        this.setState('connected');
        clearInterval(this.keepalive);
        this.keepalive = setInterval(() => socket.readyState === socket.OPEN && socket.send(JSON.stringify(PING_MESSAGE)), this.options.keepaliveMs ?? 20_000);
      } else if (data?.type === 'call') {
        if (lastSeen !== null && data.seq > lastSeen) {
          if (previousSeq(data) > lastSeen) {
            this.resumeAfterGap(socket);
            return;
          }
          lastSeen = data.seq;
          this.resumingAfterGap = false;
        }
        const event: CallEvent = { seq: data.seq, event: data.event, call: data.call };
        // Events are handled strictly in order, each fully before the next.
        this.queue = this.queue.then(() => this.options.onEvent(event)).catch((error) => console.warn('relay event failed', error));
      } else if (data?.type === 'agent' && this.options.onAgent) {
        const { onAgent } = this.options;
        this.queue = this.queue.then(() => onAgent(data.agent)).catch((error) => console.warn('relay agent change failed', error));
      }
    };
    socket.onclose = (event) => {
      // A connection left for another (stop, a missed event) cleared its pings then; its close may
      // come after the next connection's welcome, whose pings must go on.
      if (this.socket !== socket || this.stopped) return;
      clearInterval(this.keepalive);
      this.socket = undefined;
      if (event.code === CLOSE_CODES.unauthorized) {
        this.setState('unauthorized', 'the relay refused your token');
        return;
      }
      if (opened) this.scheduleReconnect(event.reason || `connection closed (${event.code})`);
      else void this.afterRefusal(event.code);
    };
    socket.onerror = () => undefined;
  }

  /** An event was missed: this connection ends, and the next resumes after the last event handled. */
  private resumeAfterGap(socket: WebSocket): void {
    this.socket = undefined;
    clearInterval(this.keepalive);
    socket.close(1000, 'an event was missed: resuming');
    if (!this.resumingAfterGap) {
      this.resumingAfterGap = true;
      void this.connect();
    } else this.scheduleReconnect('the relay skipped an event again');
  }

  /** The handshake failed: a refused token stops the retries, anything else (relay down, proxy error) backs off. */
  private async afterRefusal(code: number): Promise<void> {
    const refused = await this.options.tokenRefused();
    if (this.stopped) return;
    if (refused) this.setState('unauthorized', 'the relay refused your token');
    else this.scheduleReconnect(`cannot connect to the relay (${code})`);
  }

  private scheduleReconnect(detail: string): void {
    if (this.stopped) return;
    this.setState('offline', detail);
    const base = Math.min(this.options.maxBackoffMs ?? 30_000, 1000 * 2 ** this.attempts);
    this.attempts++;
    this.retry = setTimeout(() => void this.connect(), base / 2 + Math.random() * (base / 2));
  }
}
